package store

import (
	"fmt"

	"gorm.io/gorm"

	"parley/models"
)

// unfoldedEmail selects the comments whose address may not be stored
// folded: with a capital A–Z, with a letter outside ASCII (which may be a
// capital SQL cannot be trusted to fold: its length in bytes is not its
// length in characters), or with space around it. SQLite older than 3.43
// has no OCTET_LENGTH, so there a cast to BLOB counts the bytes.
func unfoldedEmail(tx *gorm.DB) string {
	bytes := "OCTET_LENGTH(email)"
	if tx.Dialector.Name() == "sqlite" {
		bytes = "LENGTH(CAST(email AS BLOB))"
	}
	return "email <> '' AND (email <> LOWER(email) OR LENGTH(email) <> " + bytes + " OR email <> TRIM(email))"
}

// foldEmailsBatch is how many comments the migration reads at a time.
const foldEmailsBatch = 1000

// foldStoredEmails stores every comment's address folded
// (models.FoldEmail), as Parley has stored new ones since schema 4. The
// folding is Go's on both databases, so an address typed in any alphabet
// matches what the lookups in privacy.go compare it with. Most addresses
// are already folded and are only read.
func foldStoredEmails(tx *gorm.DB) error {
	type row struct {
		ID    uint
		Email string
	}
	unfolded, after := unfoldedEmail(tx), uint(0)
	for {
		var rows []row
		err := tx.Table("comments").Select("id", "email").Where("id > ? AND "+unfolded, after).
			Order("id").Limit(foldEmailsBatch).Find(&rows).Error
		if err != nil {
			return fmt.Errorf("read addresses after comment %d: %w", after, err)
		}
		for _, r := range rows {
			if folded := models.FoldEmail(r.Email); folded != r.Email {
				if err := tx.Table("comments").Where("id = ?", r.ID).UpdateColumn("email", folded).Error; err != nil {
					return fmt.Errorf("fold the address of comment %d: %w", r.ID, err)
				}
			}
			after = r.ID
		}
		if len(rows) < foldEmailsBatch {
			return nil
		}
	}
}
