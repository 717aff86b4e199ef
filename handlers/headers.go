package handlers

import "strconv"

// Header values that many responses share. net/http copies a response's
// header values before writing them, and Header's Set, Add and Del replace
// or re-slice a value slice rather than write into it, so one slice can
// serve every request instead of an allocation per header per response.
// Their length equals their capacity, so an Add copies instead of writing
// past them. Code must never assign into such a slice (h[k][0] = v).
var (
	noCacheValues  = []string{"no-cache"}
	jsonTypeValues = []string{jsonContentType}
	htmlTypeValues = []string{htmlContentType}
	gzipValues     = []string{"gzip"}
)

// contentTypeValues returns the shared value slice for a content type.
func contentTypeValues(contentType string) []string {
	switch contentType {
	case jsonContentType:
		return jsonTypeValues
	case htmlContentType:
		return htmlTypeValues
	}
	return []string{contentType}
}

// lengthValues is a Content-Length header's value slice.
func lengthValues(n int) []string { return []string{strconv.Itoa(n)} }

// statusLabel returns a status code as the metrics label it. strconv.Itoa
// allocates for every three-digit number; the codes Parley answers with
// most often are constants.
func statusLabel(code int) string {
	switch code {
	case 200:
		return "200"
	case 201:
		return "201"
	case 204:
		return "204"
	case 303:
		return "303"
	case 304:
		return "304"
	case 400:
		return "400"
	case 403:
		return "403"
	case 404:
		return "404"
	case 429:
		return "429"
	}
	return strconv.Itoa(code)
}
