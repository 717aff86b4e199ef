package store

// ForceSchemaVersion sets the recorded schema version, to test refusal of a
// database from a newer Parley.
func ForceSchemaVersion(s *Store, v int) error {
	return s.w.Save(&schemaVersion{ID: 1, Version: v}).Error
}
