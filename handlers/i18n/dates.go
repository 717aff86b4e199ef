package i18n

import (
	"strconv"
	"time"
)

// ShortDate is a day in the language's own order and month names:
// "2 January 2006", "2. Januar 2006", "2 de enero de 2006".
func (t *Translator) ShortDate(d time.Time) string {
	d = d.UTC()
	return t.T("date.short", "day", d.Day(), "month", t.month(d), "year", d.Year())
}

// LongTime is ShortDate with the time of day in UTC.
func (t *Translator) LongTime(d time.Time) string {
	d = d.UTC()
	return t.T("date.long", "day", d.Day(), "month", t.month(d), "year", d.Year(), "time", d.Format("15:04"))
}

// DayShort names a day briefly with its weekday: "Mon 2 Jan".
func (t *Translator) DayShort(d time.Time) string {
	return t.T("date.day_short", "weekday", t.T("weekday."+strconv.Itoa(int(d.Weekday()))),
		"day", d.Day(), "month", t.T("month_short."+strconv.Itoa(int(d.Month()))))
}

// DayLong names a day with its weekday and month in full: "Mon 2 January".
func (t *Translator) DayLong(d time.Time) string {
	return t.T("date.day_long", "weekday", t.T("weekday."+strconv.Itoa(int(d.Weekday()))),
		"day", d.Day(), "month", t.month(d))
}

// DayMonth is a day with its short month name: "2 Jan".
func (t *Translator) DayMonth(d time.Time) string {
	return t.T("date.day_month", "day", d.Day(), "month", t.T("month_short."+strconv.Itoa(int(d.Month()))))
}

func (t *Translator) month(d time.Time) string {
	return t.T("month." + strconv.Itoa(int(d.Month())))
}

// Ago words how long ago something happened: "3 hours ago", "vor 3
// Stunden", "hace 3 horas".
func (t *Translator) Ago(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		return t.T("ago.now")
	case d < time.Hour:
		return t.N("ago.minutes", int(d/time.Minute))
	case d < day:
		return t.N("ago.hours", int(d/time.Hour))
	case d < 30*day:
		return t.N("ago.days", int(d/day))
	case d < 365*day:
		return t.N("ago.months", int(d/(30*day)))
	}
	return t.N("ago.years", int(d/(365*day)))
}
