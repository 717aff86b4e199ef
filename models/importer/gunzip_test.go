package importer_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"parley/models/importer"
)

func TestGunzippedTakesPlainAndGzippedFiles(t *testing.T) {
	const text = `{"format":"parley-export","version":2}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	for name, in := range map[string]io.Reader{"plain": strings.NewReader(text), "gzipped": &gz, "empty": strings.NewReader("")} {
		r, err := importer.Gunzipped(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(r)
		want := text
		if name == "empty" {
			want = ""
		}
		if err != nil || string(got) != want {
			t.Errorf("%s: read %q, %v", name, got, err)
		}
	}
	// A gzip header with nothing sensible after it is an error, not a plain file.
	if _, err := importer.Gunzipped(strings.NewReader("\x1f\x8b\x00garbage")); err == nil {
		t.Error("a broken gzip header was taken")
	}
}
