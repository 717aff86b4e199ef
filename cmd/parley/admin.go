package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"parley/handlers"
	"parley/models"
	"parley/models/markup"
)

func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("admin: want \"create\" or \"passwd\"")
	}
	sub, args := args[0], args[1:]
	fs, cfg, finish := newFlagSet("admin "+sub, getenv, stderr)
	email := fs.String("email", "", "moderator's email")
	password := fs.String("password", "", "password (at least 10 characters)")
	role := fs.String("role", models.RoleAdmin, "admin or moderator")
	name := fs.String("name", "", "display name (default: the part of the email before @)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if *email == "" || len(*password) < 10 {
		return errors.New("admin " + sub + ": --email and a --password of at least 10 characters are required")
	}
	st, err := openStore(ctx, cfg, markup.New())
	if err != nil {
		return err
	}
	defer st.Close()
	hash, err := handlers.HashPassword(*password)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if *role != models.RoleAdmin && *role != models.RoleModerator {
			return fmt.Errorf("admin create: --role must be admin or moderator, not %q", *role)
		}
		n := *name
		if n == "" {
			n, _, _ = strings.Cut(*email, "@")
		}
		m := models.Moderator{Email: *email, Name: n, PasswordHash: hash, Role: *role}
		if err := st.CreateModerator(ctx, &m); err != nil {
			if errors.Is(err, models.ErrConflict) {
				return fmt.Errorf("admin create: %s already has an account", m.Email)
			}
			return err
		}
		fmt.Fprintf(stdout, "Created %s %s.\n", m.Role, m.Email)
	case "passwd":
		m, err := st.ModeratorByEmail(ctx, *email)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("admin passwd: no account for %s", *email)
		} else if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, m.ID, hash); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Changed the password of %s and signed out all their sessions.\n", m.Email)
	default:
		return fmt.Errorf("admin: unknown command %q; want create or passwd", sub)
	}
	return nil
}
