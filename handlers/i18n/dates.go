package i18n

import (
	"strconv"
	"strings"
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

// Number writes n with the language's digit grouping, as the browser's
// Intl.NumberFormat does for the same language, so a count a script
// updates reads the same as one the server wrote: "20,000" in English,
// "20.000" in German and Spanish ("9000" in Spanish, which groups only
// numbers of five digits or more).
func (t *Translator) Number(n int) string {
	digits := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	sep := t.T("number.group")
	minGroup, err := strconv.Atoi(t.T("number.min_grouping"))
	if err != nil || minGroup < 1 {
		minGroup = 1
	}
	if len(digits) < 3+minGroup {
		return sign + digits
	}
	var b strings.Builder
	b.WriteString(sign)
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}
