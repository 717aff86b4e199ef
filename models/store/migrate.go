package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"parley/models"
)

// schemaVersion is one row holding the number of the last migration applied.
type schemaVersion struct {
	ID      int `gorm:"primaryKey"`
	Version int `gorm:"not null"`
}

func (schemaVersion) TableName() string { return "schema_version" }

// migration is one ordered schema step. Steps are never edited once
// released; a change to the schema is a new step at the end.
type migration struct {
	name string
	up   func(tx *gorm.DB) error
}

var migrations = []migration{
	{"initial schema", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&models.Site{}, &models.Post{}, &models.Thread{}, &models.Comment{},
			&models.Moderator{}, &models.Session{}, &models.AuditEntry{},
			&models.LoginFailure{}, &models.Secret{}, &models.Ban{}, &models.Flag{},
			&models.OutboxMessage{}, &models.UsedToken{}, &models.DigestCursor{},
			&models.Redirect{}, &models.ImportJob{}, &importParent{}, &rateLimitHit{},
			&models.Vote{}, &models.Subscriber{}, &models.ReplyNotice{})
	}},
	{"index of comments that still hold an IP address or user agent", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_comments_identity_age ON comments (created_at) WHERE " + identityKept).Error
	}},
	{"index of comments by address", func(tx *gorm.DB) error {
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_comments_email ON comments (LOWER(email)) WHERE " + emailKept).Error
	}},
	{"comment addresses stored folded", foldStoredEmails},
	{"no index of comments by IP address and time", func(tx *gorm.DB) error {
		// Only a ban's removal of an address's comments read it, and
		// idx_comments_ip_prefix, which leads with ip, serves that. With
		// addresses arriving in no order, keeping it cost a fifth of a new
		// comment's insert (BENCHMARKS.md).
		return tx.Exec("DROP INDEX IF EXISTS idx_comments_ip_time").Error
	}},
	{threadAgeIndexMigration, func(tx *gorm.DB) error {
		// No query looks comments up by parent_id, and a thread's newest
		// approved comments (its feed) walked every approved comment of
		// every thread through idx_comments_status: 1 s on a million.
		for _, stmt := range []string{
			"DROP INDEX IF EXISTS idx_comments_parent_id",
			"DROP INDEX IF EXISTS idx_comments_thread",
			"CREATE INDEX idx_comments_thread ON comments (thread_id, status, created_at, id)",
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	}},
	{"index of a site's posts by age", func(tx *gorm.DB) error {
		// The admin's list of posts, a page at a time.
		return tx.Exec("CREATE INDEX IF NOT EXISTS idx_posts_site_created ON posts (site_id, created_at, id)").Error
	}},
	{postsPublishedBySiteMigration, func(tx *gorm.DB) error {
		// The blog's list and feed of published posts read one site's;
		// idx_posts_published, without the site, walked every other
		// site's newer posts (imports create posts in any site) first.
		for _, stmt := range []string{
			"DROP INDEX IF EXISTS idx_posts_published",
			"CREATE INDEX IF NOT EXISTS idx_posts_site_published ON posts (site_id, published, published_at, id)",
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	}},
}

// postsPublishedBySiteMigration names the step that leads the index of
// published posts with their site.
const postsPublishedBySiteMigration = "a site's published posts indexed by site"

// threadAgeIndexMigration names the step that orders idx_comments_thread by
// age and drops idx_comments_parent_id.
const threadAgeIndexMigration = "a thread's comments indexed by status and age, none by parent"

// LatestSchema is the schema version this build of Parley knows.
func LatestSchema() int { return len(migrations) }

// SchemaVersion returns the version the database is at.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v schemaVersion
	err := s.w.WithContext(ctx).Where("id = 1").Limit(1).Find(&v).Error
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v.Version, nil
}

// migrate applies every step the database lacks, each in its own
// transaction, and refuses a database written by a newer Parley.
func (s *Store) migrate(ctx context.Context) error {
	db := s.w.WithContext(ctx)
	if err := db.AutoMigrate(&schemaVersion{}); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > len(migrations) {
		return fmt.Errorf("store: database is at schema %d, this Parley knows %d: %w",
			current, len(migrations), models.ErrSchemaTooNew)
	}
	if current == len(migrations) {
		return nil
	}
	return s.withTempFiles(db, func(db *gorm.DB) error {
		for i := current; i < len(migrations); i++ {
			m := migrations[i]
			err := db.Transaction(func(tx *gorm.DB) error {
				if err := m.up(tx); err != nil {
					return err
				}
				return tx.Save(&schemaVersion{ID: 1, Version: i + 1}).Error
			})
			if err != nil {
				return fmt.Errorf("store: migration %d (%s): %w", i+1, m.name, err)
			}
		}
		return nil
	})
}

// withTempFiles runs fn on the writer's connection with SQLite's temporary
// data in files, as the readers keep it, and puts it back in memory after.
// A migration that builds an index over every comment sorts them all: in
// memory that sort held 90 MB of a million comments, and the C allocator
// kept the memory after it. PostgreSQL runs fn as it is.
func (s *Store) withTempFiles(db *gorm.DB, fn func(db *gorm.DB) error) error {
	if s.postgres {
		return fn(db)
	}
	return db.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("PRAGMA temp_store = FILE").Error; err != nil {
			return fmt.Errorf("store: temporary files for the migrations: %w", err)
		}
		err := fn(conn)
		if rerr := conn.Exec("PRAGMA temp_store = MEMORY").Error; rerr != nil && err == nil {
			err = fmt.Errorf("store: temporary data back in memory: %w", rerr)
		}
		return err
	})
}
