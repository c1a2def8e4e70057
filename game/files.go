package game

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// decodeStrict reads JSON into a T, refusing unknown fields so that a
// misspelt key is an error, not a silent default.
func decodeStrict[T any](b []byte, what, name string) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("%s %s: %w", what, name, err)
	}
	return v, nil
}

// parseChecked decodes a file of kind what (rules, scenario) strictly
// and checks it, naming the file in every error.
func parseChecked[T interface{ check() error }](b []byte, what, name string) (T, error) {
	v, err := decodeStrict[T](b, what, name)
	if err != nil {
		return v, err
	}
	if err := v.check(); err != nil {
		return v, fmt.Errorf("%s %s: %w", what, name, err)
	}
	return v, nil
}

// load reads the file at path with parse.
func load[T any](parse func([]byte, string) (T, error), what, path string) (T, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return parse(b, path)
}

// mustParse parses an embedded file, which a test keeps valid.
func mustParse[T any](parse func([]byte, string) (T, error), b []byte, name string) T {
	v, err := parse(b, name)
	if err != nil {
		panic(err)
	}
	return v
}
