package store

import (
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"parley/models"
)

// ForceSchemaVersion sets the recorded schema version, to test refusal of a
// database from a newer Parley.
func ForceSchemaVersion(s *Store, v int) error {
	return s.w.Save(&schemaVersion{ID: 1, Version: v}).Error
}

// CommentColumns is the column list of a new comment's INSERT.
var CommentColumns = commentColumns

// CreateCommentThroughGORM stores c with GORM's Create, as new comments
// were stored before their INSERT was prepared, for comparing the two.
func CreateCommentThroughGORM(s *Store, c *models.Comment) error {
	return s.w.Create(c).Error
}

// CommentRow reads every column of one comment as the driver returns it.
func CommentRow(s *Store, id uint) (map[string]any, error) {
	row := map[string]any{}
	err := s.w.Table("comments").Where("id = ?", id).Take(&row).Error
	return row, err
}

// GORMColumns returns the database columns GORM maps model's fields to.
func GORMColumns(s *Store, model any) ([]string, error) {
	sch, err := schema.Parse(model, &sync.Map{}, s.w.NamingStrategy)
	if err != nil {
		return nil, err
	}
	return sch.DBNames, nil
}

// SchemaOf is the schema version the named migration brings a database to.
func SchemaOf(name string) int {
	for i, m := range migrations {
		if m.name == name {
			return i + 1
		}
	}
	panic("no migration named " + name)
}

// FoldedEmailsSchema is the schema version that folds stored addresses.
var FoldedEmailsSchema = SchemaOf("comment addresses stored folded")

// DroppedIPTimeSchema is the schema version that drops idx_comments_ip_time.
var DroppedIPTimeSchema = SchemaOf("no index of comments by IP address and time")

// ThreadAgeIndexSchema is the schema version that drops
// idx_comments_parent_id and widens idx_comments_thread.
var ThreadAgeIndexSchema = SchemaOf(threadAgeIndexMigration)

// PostAgeIndexSchema is the schema version that adds idx_posts_site_created.
var PostAgeIndexSchema = SchemaOf("index of a site's posts by age")

// PostsPublishedBySiteSchema is the schema version that replaces
// idx_posts_published by idx_posts_site_published.
var PostsPublishedBySiteSchema = SchemaOf(postsPublishedBySiteMigration)

// WithTempFiles is the migrations' withTempFiles on the writer.
func WithTempFiles(s *Store, fn func(db *gorm.DB) error) error { return s.withTempFiles(s.w, fn) }

// TempStores returns PRAGMA temp_store on the writer's and a reader's
// connection.
func TempStores(s *Store) (writer, reader int, err error) {
	if err = s.w.Raw("PRAGMA temp_store").Scan(&writer).Error; err != nil {
		return
	}
	err = s.r.Raw("PRAGMA temp_store").Scan(&reader).Error
	return
}

// HasCommentIndex reports whether the comments table has the named index.
func HasCommentIndex(s *Store, name string) bool {
	return s.w.Migrator().HasIndex(&models.Comment{}, name)
}

// IndexColumns returns the column list of the named index as its
// definition writes it, without quotes or spaces, such as
// "thread_id,status"; empty when there is no such index.
func IndexColumns(s *Store, name string) (string, error) {
	var def string
	q := "SELECT COALESCE(MAX(sql), '') FROM sqlite_master WHERE type = 'index' AND name = ?"
	if s.postgres {
		q = "SELECT COALESCE(MAX(indexdef), '') FROM pg_indexes WHERE indexname = ?"
	}
	if err := s.w.Raw(q, name).Scan(&def).Error; err != nil {
		return "", err
	}
	_, cols, _ := strings.Cut(def, "(")
	cols, _, _ = strings.Cut(cols, ")")
	return strings.NewReplacer("`", "", `"`, "", " ", "").Replace(cols), nil
}

// ExecWriter runs a statement on the writer, to put a database in a state
// an older Parley left it in.
func ExecWriter(s *Store, sql string, args ...any) error { return s.w.Exec(sql, args...).Error }

// PageColumnsThroughGORM reads the given comments' pageColumns through
// GORM's model, as ThreadPage did before it scanned them itself.
func PageColumnsThroughGORM(s *Store, ids []uint) ([]models.Comment, error) {
	var out []models.Comment
	err := s.r.Select(pageColumns).Where("id IN ?", ids).Order("id").Find(&out).Error
	return out, err
}
