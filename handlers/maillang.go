package handlers

import (
	"parley/handlers/i18n"
	"parley/models"
)

// readerMailLanguage is the language of an email to a reader: the site's
// fixed language, else lang (the reader's, from the request that led to
// the email), else English.
func (s *Server) readerMailLanguage(site models.Site, lang string) *i18n.Translator {
	return s.i18n.Get(s.i18n.Negotiate(site.Settings.Language, lang))
}

// modMailLanguage is the language of an email to a moderator: the one
// their browser asked for when they last signed in, else English.
func (s *Server) modMailLanguage(mod models.Moderator) *i18n.Translator {
	return s.i18n.Get(mod.Language)
}
