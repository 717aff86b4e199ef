// Package models holds Parley's entities, typed statuses and the errors the
// rest of the program shares. It imports no other package of Parley.
package models

import (
	"time"
)

// Status is the moderation state of a comment. Only StatusApproved is public.
type Status string

// The comment statuses.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusSpam     Status = "spam"
	StatusRemoved  Status = "removed"
	// StatusFlagged is an approved comment that enough readers flagged: it
	// leaves public view until a moderator looks at it again.
	StatusFlagged Status = "flagged"
)

// Statuses lists every status in the order the queue shows its tabs.
var Statuses = []Status{StatusPending, StatusFlagged, StatusApproved, StatusSpam, StatusRemoved}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusApproved, StatusSpam, StatusRemoved, StatusFlagged:
		return true
	}
	return false
}

// Moderation modes of a site.
const (
	ModerationPre   = "pre"   // hold every new comment
	ModerationPost  = "post"  // publish unless a rule holds it
	ModerationSmart = "smart" // hold first-time commenters and rule hits
)

// Moderator roles.
const (
	RoleAdmin     = "admin"
	RoleModerator = "moderator"
)

// DefaultSiteID is the site of Parley's own blog.
const DefaultSiteID = "default"

// Reason explains why a moderation rule fired for a comment.
type Reason struct {
	Code   string `json:"code"`
	Text   string `json:"text"`
	Detail string `json:"detail,omitempty"`
}

// SiteSettings are a site's moderation and display rules. They are stored
// as one JSON document so that new settings need no schema change.
type SiteSettings struct {
	Moderation string       `json:"moderation"`
	MaxDepth   int          `json:"max_depth"`
	Rules      RuleSettings `json:"rules"`
	// EditWindowSeconds is how long a reader may edit or delete their own
	// comment; 0 means the default (15 minutes), a negative value turns
	// reader edits off.
	EditWindowSeconds int `json:"edit_window_seconds"`
	// NoDownvotes turns downvotes off; upvotes stay.
	NoDownvotes bool `json:"no_downvotes"`
	// AutoCloseDays closes a thread that many days after its post was
	// published (or the thread started); 0 never closes.
	AutoCloseDays int `json:"auto_close_days"`
	// Language is the reader-facing language ("en", "de", "es"); "" or
	// LanguageAuto follows the reader's Accept-Language.
	Language string `json:"language"`
	// Gravatar shows Gravatar images for commenters with an email instead of
	// the local identicons. Off by default: it sends a hash to a third party.
	Gravatar bool `json:"gravatar"`
	// IPRetentionDays is how long commenters' IP addresses and user agents
	// are kept; 0 means the default (30 days), a negative value keeps them.
	IPRetentionDays int `json:"ip_retention_days"`
}

// LanguageAuto makes a site follow each reader's Accept-Language.
const LanguageAuto = "auto"

// Defaults of the reader settings.
const (
	DefaultEditWindowSeconds = 15 * 60
	DefaultIPRetentionDays   = 30
)

// EditWindow returns how long readers may edit their comments; 0 when off.
func (s SiteSettings) EditWindow() time.Duration {
	switch {
	case s.EditWindowSeconds < 0:
		return 0
	case s.EditWindowSeconds == 0:
		return DefaultEditWindowSeconds * time.Second
	}
	return time.Duration(s.EditWindowSeconds) * time.Second
}

// IPRetention returns how long IP addresses are kept; 0 means forever.
func (s SiteSettings) IPRetention() time.Duration {
	switch {
	case s.IPRetentionDays < 0:
		return 0
	case s.IPRetentionDays == 0:
		return DefaultIPRetentionDays * 24 * time.Hour
	}
	return time.Duration(s.IPRetentionDays) * 24 * time.Hour
}

// DefaultSiteSettings are the settings a new site starts with.
func DefaultSiteSettings() SiteSettings {
	return SiteSettings{Moderation: ModerationPre, MaxDepth: 5, Rules: DefaultRuleSettings()}
}

// Normalized returns s with zero values replaced by defaults.
func (s SiteSettings) Normalized() SiteSettings {
	d := DefaultSiteSettings()
	switch s.Moderation {
	case ModerationPre, ModerationPost, ModerationSmart:
	default:
		s.Moderation = d.Moderation
	}
	if s.MaxDepth <= 0 {
		s.MaxDepth = d.MaxDepth
	}
	if s.Language == "" {
		s.Language = LanguageAuto
	}
	if s.AutoCloseDays < 0 {
		s.AutoCloseDays = 0
	}
	if s.Rules.IsZero() {
		s.Rules = d.Rules
	}
	s.Rules = s.Rules.Normalized()
	return s
}

// Site is a website whose pages have comment threads.
type Site struct {
	ID        string       `gorm:"primaryKey;size:64"`
	Name      string       `gorm:"size:200;not null"`
	Origins   []string     `gorm:"serializer:json"`
	Settings  SiteSettings `gorm:"serializer:json"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Post is an article hosted by Parley's own blog.
type Post struct {
	ID          uint       `gorm:"primaryKey;index:idx_posts_site_created,priority:3;index:idx_posts_site_published,priority:4"`
	SiteID      string     `gorm:"size:64;not null;uniqueIndex:idx_posts_site_slug,priority:1;index:idx_posts_site_created,priority:1;index:idx_posts_site_published,priority:1"`
	Slug        string     `gorm:"size:200;not null;uniqueIndex:idx_posts_site_slug,priority:2"`
	Title       string     `gorm:"size:300;not null"`
	Body        string     `gorm:"type:text;not null"`
	BodyHTML    string     `gorm:"type:text;not null"`
	Published   bool       `gorm:"not null;index:idx_posts_site_published,priority:2"`
	PublishedAt *time.Time `gorm:"index:idx_posts_site_published,priority:3"`
	// Moderation overrides the site's mode for this post; "" follows the site.
	Moderation string    `gorm:"size:8;not null;default:''"`
	CreatedAt  time.Time `gorm:"index:idx_posts_site_created,priority:2"`
	UpdatedAt  time.Time
	// Source and ExternalID name the imported article a post came from
	// ("blogger", its id); both are empty for posts written here.
	Source     string `gorm:"size:16;not null;default:''"`
	ExternalID string `gorm:"size:200;not null;default:'';index:idx_posts_external"`
}

// PagePath is the thread page key of the post.
func (p Post) PagePath() string { return "/posts/" + p.Slug }

// Thread holds the comments of one page of a site.
type Thread struct {
	ID     uint   `gorm:"primaryKey"`
	SiteID string `gorm:"size:64;not null;uniqueIndex:idx_threads_site_page,priority:1"`
	Page   string `gorm:"size:500;not null;uniqueIndex:idx_threads_site_page,priority:2"`
	Title  string `gorm:"size:300"`
	URL    string `gorm:"size:1000"`
	PostID *uint  `gorm:"index"`
	Closed bool   `gorm:"not null"`
	// Version grows with every change readers can see (a comment approved,
	// removed, edited, voted on or pinned); cached renderings of the thread
	// are keyed by it, so every instance sees a change at once.
	Version int64 `gorm:"not null;default:0"`
	// Count is the number of approved comments, kept in step by the store
	// in the same transaction as every status change.
	Count     int `gorm:"column:comment_count;not null;default:0"`
	CreatedAt time.Time
}

// Comment is one comment as stored. It carries private fields (email, IP,
// user agent) and is never serialized to readers; see the handlers' DTOs.
type Comment struct {
	ID       uint `gorm:"primaryKey;index:idx_comments_queue,priority:2;index:idx_comments_thread,priority:4;index:idx_comments_root,priority:5;index:idx_comments_top,priority:6"`
	ThreadID uint `gorm:"not null;index:idx_comments_thread,priority:1;uniqueIndex:idx_comments_external,priority:3;index:idx_comments_root,priority:1;index:idx_comments_top,priority:1"`
	// ParentID is the comment this one replies to; nil for a top-level one.
	ParentID *uint
	// RootID is the top-level comment a reply belongs under; 0 for a
	// top-level comment. Paging by top-level comment loads a page's
	// replies by it.
	RootID uint   `gorm:"not null;default:0;index:idx_comments_root,priority:2;index:idx_comments_top,priority:2"`
	Depth  int    `gorm:"not null"`
	Author string `gorm:"size:64;not null"`
	// Email is stored folded (FoldEmail); the store folds it on the way in.
	Email     string   `gorm:"size:254"`
	Website   string   `gorm:"size:200"`
	Body      string   `gorm:"type:text;not null"`
	HTML      string   `gorm:"type:text;not null"`
	Status    Status   `gorm:"size:16;not null;index:idx_comments_status,priority:1;index:idx_comments_thread,priority:2;index:idx_comments_queue,priority:1"`
	Reasons   []Reason `gorm:"serializer:json"`
	Score     int      `gorm:"not null;index:idx_comments_top,priority:4,sort:desc"`
	Upvotes   int      `gorm:"not null;default:0"`
	Downvotes int      `gorm:"not null;default:0"`
	// Pinned comments are shown first; moderators pin them.
	Pinned bool `gorm:"not null;default:false;index:idx_comments_root,priority:3;index:idx_comments_top,priority:3"`
	// NotifyReplies asks for an email on each approved reply (once the
	// address is confirmed).
	NotifyReplies bool   `gorm:"not null;default:false"`
	IP            string `gorm:"size:64"`
	UserAgent     string `gorm:"size:400"`
	EditTokenHash string `gorm:"size:64"`
	// CommenterKey is the id of the signed key the commenter's browser
	// holds; trust and key bans follow it, never the typed name or email.
	CommenterKey string    `gorm:"size:64;index:idx_comments_key_time,priority:1"`
	CreatedAt    time.Time `gorm:"index:idx_comments_status,priority:2;index:idx_comments_thread,priority:3;index:idx_comments_key_time,priority:2;index:idx_comments_root,priority:4;index:idx_comments_top,priority:5"`
	UpdatedAt    time.Time
	EditedAt     *time.Time
	// Source and ExternalID name where an imported comment came from
	// ("disqus", "299619020"); both are empty for comments written here.
	// An import finds what it already stored by them.
	Source     string `gorm:"size:16;not null;default:'';uniqueIndex:idx_comments_external,priority:1,where:external_id <> ''"`
	ExternalID string `gorm:"size:200;not null;default:'';uniqueIndex:idx_comments_external,priority:2"`
}

// Moderator is a person who signs in to moderate.
type Moderator struct {
	ID           uint   `gorm:"primaryKey"`
	Email        string `gorm:"size:254;not null;uniqueIndex"`
	Name         string `gorm:"size:100;not null"`
	PasswordHash string `gorm:"size:200;not null"`
	Role         string `gorm:"size:16;not null"`
	Disabled     bool   `gorm:"not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Notify is how the moderator hears about held comments: NotifyOff,
	// NotifyEach or NotifyDigest; "" means the default (see NotifyMode).
	Notify string `gorm:"size:8;not null;default:''"`
	// Language is the catalog language of the moderator's emails, taken
	// from their browser when they sign in; "" means English.
	Language string `gorm:"size:16;not null;default:''"`
}

// Session is a signed-in moderator's server-side session; deleting the row
// revokes every copy of the cookie that names it.
type Session struct {
	ID          string `gorm:"primaryKey;size:64"`
	ModeratorID uint   `gorm:"not null;index"`
	CreatedAt   time.Time
	ExpiresAt   time.Time `gorm:"index"`
}

// LoginFailure counts recent failed sign-ins for one key (an email or an IP),
// so throttling holds across restarts and instances.
type LoginFailure struct {
	Key      string `gorm:"column:throttle_key;primaryKey;size:300"`
	Failures int    `gorm:"not null"`
	LastAt   time.Time
}

// Secret is a persisted random key (cookie signing, token signing). The
// newest of a purpose signs; older ones still verify until removed.
type Secret struct {
	ID        uint   `gorm:"primaryKey"`
	Purpose   string `gorm:"size:32;not null;index"`
	Value     []byte `gorm:"not null"`
	CreatedAt time.Time
}

// AuditEntry records one change a moderator (or the system) made.
type AuditEntry struct {
	ID          uint   `gorm:"primaryKey"`
	ModeratorID *uint  `gorm:"index"`
	Actor       string `gorm:"size:254;not null"`
	Action      string `gorm:"size:32;not null"`
	CommentID   *uint  `gorm:"index"`
	PostID      *uint
	Before      string    `gorm:"size:64"`
	After       string    `gorm:"size:64"`
	Note        string    `gorm:"size:500"`
	CreatedAt   time.Time `gorm:"index"`
}
