package models

import (
	"net/netip"
	"strings"
	"time"
)

// Kinds of ban: what a ban matches on.
const (
	BanIP     = "ip"     // one address, or a CIDR range such as 203.0.113.0/24
	BanEmail  = "email"  // one email address, case-insensitive
	BanDomain = "domain" // every email address at a domain
	BanKey    = "key"    // one commenter key (a browser)
)

// BanKinds lists the kinds in the order the admin offers them.
var BanKinds = []string{BanIP, BanEmail, BanDomain, BanKey}

// Ban keeps a commenter from commenting, everywhere or on one site, until it
// expires. A shadow ban accepts their comments but shows them to them alone.
type Ban struct {
	ID        uint   `gorm:"primaryKey"`
	SiteID    string `gorm:"size:64;index"` // empty: every site
	Kind      string `gorm:"size:16;not null"`
	Value     string `gorm:"size:254;not null"`
	Shadow    bool   `gorm:"not null"`
	Note      string `gorm:"size:500"`
	CreatedBy string `gorm:"size:254"`
	ExpiresAt *time.Time
	CreatedAt time.Time
}

// Active reports whether the ban is in force at now.
func (b Ban) Active(now time.Time) bool {
	return b.ExpiresAt == nil || now.Before(*b.ExpiresAt)
}

// Commenter is who sent a comment, as far as bans can tell.
type Commenter struct {
	IP, Email, Key string
}

// Matches reports whether the ban covers the commenter.
func (b Ban) Matches(c Commenter) bool {
	switch b.Kind {
	case BanIP:
		addr, err := netip.ParseAddr(c.IP)
		if err != nil {
			return false
		}
		addr = addr.Unmap()
		if p, err := netip.ParsePrefix(b.Value); err == nil {
			return p.Contains(addr)
		}
		want, err := netip.ParseAddr(b.Value)
		return err == nil && want.Unmap() == addr
	case BanEmail:
		return c.Email != "" && strings.EqualFold(strings.TrimSpace(c.Email), b.Value)
	case BanDomain:
		_, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(c.Email)), "@")
		return ok && (domain == b.Value || strings.HasSuffix(domain, "."+b.Value))
	case BanKey:
		return c.Key != "" && c.Key == b.Value
	}
	return false
}

// NormalizeBanValue checks and canonicalizes a ban's value for its kind.
func NormalizeBanValue(kind, value string) (string, bool) {
	value = strings.TrimSpace(value)
	switch kind {
	case BanIP:
		if p, err := netip.ParsePrefix(value); err == nil {
			return p.Masked().String(), true
		}
		if a, err := netip.ParseAddr(value); err == nil {
			return a.Unmap().String(), true
		}
	case BanEmail:
		if strings.Count(value, "@") == 1 && !strings.HasPrefix(value, "@") && !strings.HasSuffix(value, "@") {
			return strings.ToLower(value), true
		}
	case BanDomain:
		value = strings.TrimPrefix(strings.ToLower(value), "@")
		if value != "" && !strings.ContainsAny(value, "@ /") && strings.Contains(value, ".") {
			return value, true
		}
	case BanKey:
		if value != "" && len(value) <= 64 {
			return value, true
		}
	}
	return "", false
}

// Flag is one reader's report that an approved comment breaks the rules.
// Reader is the commenter key, or a hash of the IP without one; the pair
// (CommentID, Reader) is unique, so flags count distinct readers.
type Flag struct {
	ID        uint   `gorm:"primaryKey"`
	CommentID uint   `gorm:"not null;uniqueIndex:idx_flags_comment_reader,priority:1"`
	Reader    string `gorm:"size:64;not null;uniqueIndex:idx_flags_comment_reader,priority:2"`
	Reason    string `gorm:"size:16;not null"`
	Note      string `gorm:"size:500"`
	CreatedAt time.Time
}

// FlagReasons are the reasons a reader can give.
var FlagReasons = []string{"spam", "abuse", "off-topic", "other"}

// ValidFlagReason reports whether r is one of FlagReasons.
func ValidFlagReason(r string) bool {
	for _, v := range FlagReasons {
		if v == r {
			return true
		}
	}
	return false
}
