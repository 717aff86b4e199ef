package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"parley/models"
	"parley/models/store"
	"parley/models/store/storetest"
)

// Every writer of comments, threads and sites also moves queue_version, so
// on PostgreSQL writers that also touch a thread's row must take the two
// locks in one order, or they deadlock: new comments (the comment, then the
// version, then the thread's count), moderation (the same), and a post's
// title edit (the version, before the thread). This mixes all three.
func TestQueueVersionWritersDoNotDeadlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		post := bootstrapped(t, s)
		start, err := s.QueueVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const writers, each, edits = 4, 30, 30
		ids := make(chan uint, writers*each)
		errs := make(chan error, writers*each+2*edits)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					c := models.Comment{ThreadID: post.ThreadID, Author: fmt.Sprint(w), Body: fmt.Sprint(i), HTML: "b",
						Status: models.StatusApproved}
					if err := s.CreateComment(ctx, &c, 5); err != nil {
						errs <- fmt.Errorf("comment: %w", err)
						continue
					}
					ids <- c.ID
				}
			}()
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range edits {
				p := post.Post
				p.Title = fmt.Sprintf("Title %d", i)
				if err := s.UpdatePost(ctx, &p, false); err != nil {
					errs <- fmt.Errorf("rename: %w", err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range edits {
				id := <-ids
				if _, err := s.Moderate(ctx, []uint{id}, models.StatusRemoved, store.Actor{Name: "test"}, ""); err != nil {
					errs <- fmt.Errorf("moderate: %w", err)
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		end, err := s.QueueVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if end-start < writers*each {
			t.Fatalf("queue version moved by %d for at least %d changes", end-start, writers*each+2*edits)
		}
	})
}
