package store

import (
	"gorm.io/gorm"
)

// OnStatement registers fn to be called after every statement the store
// runs, with the statement's SQL. Tests use it to count queries; metrics
// may use it to time them. Register before serving traffic.
func (s *Store) OnStatement(fn func(sql string)) error {
	dbs := []*gorm.DB{s.w}
	if s.r != s.w {
		dbs = append(dbs, s.r)
	}
	after := func(db *gorm.DB) { fn(db.Statement.SQL.String()) }
	for _, db := range dbs {
		cb := db.Callback()
		regs := []error{
			cb.Query().After("gorm:query").Register("parley:observe_query", after),
			cb.Create().After("gorm:create").Register("parley:observe_create", after),
			cb.Update().After("gorm:update").Register("parley:observe_update", after),
			cb.Delete().After("gorm:delete").Register("parley:observe_delete", after),
			cb.Row().After("gorm:row").Register("parley:observe_row", after),
			cb.Raw().After("gorm:raw").Register("parley:observe_raw", after),
		}
		for _, err := range regs {
			if err != nil {
				return err
			}
		}
	}
	return nil
}
