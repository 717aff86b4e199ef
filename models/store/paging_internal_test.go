package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"parley/models"
)

// TestPagingQueriesUseIndexes reads SQLite's plan for the paging queries:
// each must seek in an index on the thread and read rows in the index's
// order, never sort the thread's comments in a temporary B-tree.
func TestPagingQueriesUseIndexes(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := &models.Cursor{ID: 40, Score: 3, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	queries := map[string]func(tx *gorm.DB) *gorm.DB{
		"replies": func(tx *gorm.DB) *gorm.DB {
			return tx.Model(&models.Comment{}).Select(pageColumns).Where("thread_id = ? AND root_id IN ?", 7, []uint{1, 2, 3}).Find(&[]models.Comment{})
		},
	}
	for _, sortBy := range []string{models.SortOldest, models.SortNewest, models.SortTop} {
		for _, cur := range []*models.Cursor{nil, after} {
			name := sortBy + " first page"
			if cur != nil {
				name = sortBy + " after a cursor"
			}
			q := PageQuery{Sort: sortBy, After: cur, Limit: 51}
			queries[name] = func(tx *gorm.DB) *gorm.DB {
				return s.groupQuery(tx.Model(&models.Comment{}), 7, q, false).Limit(51).Find(&[]models.Comment{})
			}
		}
	}
	for name, build := range queries {
		sql := s.r.ToSQL(build)
		var plan []struct {
			ID     int
			Parent int
			Detail string
		}
		if err := s.r.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&plan).Error; err != nil {
			t.Fatalf("%s: %v\n%s", name, err, sql)
		}
		var lines []string
		for _, p := range plan {
			lines = append(lines, p.Detail)
		}
		text := strings.Join(lines, "\n")
		t.Logf("%s:\n%s", name, text)
		main := lines[0]
		if !strings.Contains(main, "SEARCH comments USING INDEX idx_comments_") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s: plan\n%s\nfor\n%s", name, text, sql)
		}
		if name != "replies" && !strings.Contains(text, "idx_comments_root (thread_id=? AND root_id=?)") {
			t.Errorf("%s: the placeholder check does not seek by root: plan\n%s", name, text)
		}
	}
}
