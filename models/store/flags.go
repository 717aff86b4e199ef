package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// FlagResult says what a reader's flag did.
type FlagResult struct {
	Flags   int  // distinct readers who flagged the comment
	Flagged bool // this flag sent the comment to the flagged queue
}

// AddFlag records a reader's flag on an approved comment (a repeat by the
// same reader changes nothing). When the distinct flags reach threshold,
// the comment leaves public view for the "flagged" queue, carrying the
// readers' reasons, in the same transaction.
func (s *Store) AddFlag(ctx context.Context, f *models.Flag, threshold int) (FlagResult, error) {
	var res FlagResult
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c models.Comment
		if err := tx.Select("id", "thread_id", "status", "reasons").Where("id = ?", f.CommentID).Take(&c).Error; err != nil {
			return notFound(err)
		}
		if c.Status != models.StatusApproved && c.Status != models.StatusFlagged {
			return models.ErrNotFound
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(f).Error; err != nil {
			return err
		}
		var flags []models.Flag
		if err := tx.Where("comment_id = ?", f.CommentID).Order("id").Find(&flags).Error; err != nil {
			return err
		}
		res.Flags = len(flags)
		if c.Status != models.StatusApproved || len(flags) < threshold {
			return nil
		}
		reasons := append(c.Reasons, models.Reason{Code: "flags", Text: "Flagged by readers", Detail: flagDetail(flags)})
		// A struct update, so GORM applies the column's JSON serializer.
		if err := tx.Model(&models.Comment{}).Where("id = ?", c.ID).Select("reasons").
			Updates(&models.Comment{Reasons: reasons}).Error; err != nil {
			return err
		}
		if _, err := setStatusTx(tx, []uint{c.ID}, models.StatusFlagged, Actor{Name: "readers"}, flagDetail(flags)); err != nil {
			return err
		}
		res.Flagged = true
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("store: flag comment %d: %w", f.CommentID, err)
	}
	return res, nil
}

// flagDetail summarizes flags as "3 flags: spam ×2, abuse — "note"".
func flagDetail(flags []models.Flag) string {
	counts := map[string]int{}
	var order []string
	var notes []string
	for _, f := range flags {
		if counts[f.Reason] == 0 {
			order = append(order, f.Reason)
		}
		counts[f.Reason]++
		if f.Note != "" && len(notes) < 3 {
			notes = append(notes, fmt.Sprintf("%q", f.Note))
		}
	}
	parts := make([]string, 0, len(order))
	for _, r := range order {
		if counts[r] > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", r, counts[r]))
		} else {
			parts = append(parts, r)
		}
	}
	out := fmt.Sprintf("%d flags: %s", len(flags), strings.Join(parts, ", "))
	if len(notes) > 0 {
		out += " — " + strings.Join(notes, "; ")
	}
	return truncateNote(out)
}
