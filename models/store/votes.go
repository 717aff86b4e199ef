package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"parley/models"
)

// Vote records one reader's vote (value 1 or -1) on an approved comment and
// returns the comment's score, all in one transaction.
//
// Each reader has at most one vote per comment. Repeating a vote changes
// nothing. A vote of the other value switches the reader's vote (an upvote
// becomes a downvote and the score moves by two): a reader who clicked the
// wrong arrow can put it right, and still counts once. Upvotes, Downvotes
// and Score move with the vote, and the thread's version moves on so cached
// renderings expire. A comment that is not approved answers
// models.ErrNotFound.
func (s *Store) Vote(ctx context.Context, commentID uint, voter string, value int) (int, error) {
	if value != 1 && value != -1 {
		return 0, fmt.Errorf("store: vote on %d: value %d is not 1 or -1", commentID, value)
	}
	if voter == "" {
		return 0, fmt.Errorf("store: vote on %d: no voter", commentID)
	}
	var score int
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c models.Comment
		err := tx.Select("id", "thread_id", "status", "score").Where("id = ?", commentID).Take(&c).Error
		if err != nil {
			return notFound(err)
		}
		if c.Status != models.StatusApproved {
			return models.ErrNotFound
		}
		up, down, err := castVote(tx, commentID, voter, value)
		if err != nil {
			return err
		}
		score = c.Score
		if up == 0 && down == 0 {
			return nil
		}
		err = tx.Model(&models.Comment{}).Where("id = ?", commentID).UpdateColumns(map[string]any{
			"upvotes":   gorm.Expr("upvotes + ?", up),
			"downvotes": gorm.Expr("downvotes + ?", down),
			"score":     gorm.Expr("score + ?", up-down),
		}).Error
		if err != nil {
			return err
		}
		if err := touchThread(tx, c.ThreadID); err != nil {
			return err
		}
		// Read back: on PostgreSQL another reader's vote may have landed
		// between the first read and the update.
		return tx.Model(&models.Comment{}).Select("score").Where("id = ?", commentID).Scan(&score).Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: vote on %d: %w", commentID, err)
	}
	return score, nil
}

// castVote inserts or switches the voter's vote and returns how the
// comment's upvotes and downvotes change.
func castVote(tx *gorm.DB, commentID uint, voter string, value int) (up, down int, err error) {
	v := models.Vote{CommentID: commentID, Voter: voter, Value: value}
	// DO NOTHING keeps a concurrent first vote of the same reader (another
	// instance, another tab) from failing the transaction on PostgreSQL.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&v)
	if res.Error != nil {
		return 0, 0, res.Error
	}
	if res.RowsAffected == 1 {
		if value > 0 {
			return 1, 0, nil
		}
		return 0, 1, nil
	}
	var old models.Vote
	if err := tx.Where("comment_id = ? AND voter = ?", commentID, voter).Take(&old).Error; err != nil {
		return 0, 0, fmt.Errorf("read vote: %w", err)
	}
	if old.Value == value {
		return 0, 0, nil
	}
	res = tx.Model(&models.Vote{}).Where("id = ? AND value = ?", old.ID, old.Value).UpdateColumn("value", value)
	if res.Error != nil || res.RowsAffected == 0 {
		return 0, 0, res.Error
	}
	if value > 0 {
		return 1, -1, nil
	}
	return -1, 1, nil
}
