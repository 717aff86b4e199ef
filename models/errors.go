package models

import (
	"errors"
	"sort"
	"strings"
)

// Errors shared across packages; callers test them with errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrConflict      = errors.New("conflict")
	ErrThreadClosed  = errors.New("comments are closed on this page")
	ErrBadParent     = errors.New("the comment you are replying to is not available")
	ErrSchemaTooNew  = errors.New("database schema is newer than this version of Parley")
	ErrInvalidSite   = errors.New("unknown site")
	ErrForbiddenPage = errors.New("this page is not allowed for the site")
)

// ValidationError maps form fields to human messages.
type ValidationError struct {
	Fields map[string]string
}

// Add records a message for field, keeping the first message per field.
func (v *ValidationError) Add(field, msg string) {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = msg
	}
}

// Empty reports whether no field failed.
func (v *ValidationError) Empty() bool { return len(v.Fields) == 0 }

// Err returns v as an error, or nil when no field failed.
func (v *ValidationError) Err() error {
	if v.Empty() {
		return nil
	}
	return v
}

// Error joins the field messages in a stable order.
func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+v.Fields[k])
	}
	return strings.Join(parts, "; ")
}
