package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"parley/models/store"
)

// retentionEvery is how often "parley serve" drops IP addresses and user
// agents older than each site's retention.
const retentionEvery = 3 * time.Hour

// startRetention runs store.DropOldIPs at once and then every
// retentionEvery until ctx ends; the returned function stops it and waits.
func startRetention(ctx context.Context, st *store.Store, log *slog.Logger) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(retentionEvery)
		defer tick.Stop()
		for {
			n, err := st.DropOldIPs(ctx, time.Now())
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("retention: drop old IP addresses", "err", err)
			case n > 0:
				log.Info("retention: dropped old IP addresses and user agents", "comments", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}
