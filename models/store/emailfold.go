package store

import (
	"fmt"

	"gorm.io/gorm"

	"parley/models"
)

// unfoldedEmail selects the comments whose address is not stored folded:
// with a capital A–Z, with a letter outside ASCII (which may be a capital
// SQL cannot be trusted to fold), or with space around it. Both databases
// have LENGTH in characters and OCTET_LENGTH in bytes.
const unfoldedEmail = "email <> '' AND (email <> LOWER(email) OR LENGTH(email) <> OCTET_LENGTH(email) OR email <> TRIM(email))"

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
	after := uint(0)
	for {
		var rows []row
		err := tx.Table("comments").Select("id", "email").Where("id > ? AND "+unfoldedEmail, after).
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
