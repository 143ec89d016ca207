package backup

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"guichet.dev/shared/store"
)

// RestoreOptions configures Restore.
type RestoreOptions struct {
	// Drop replaces a database that has documents (and development keys
	// that differ); without it such a restore is refused.
	Drop bool
	// KeysDir receives the development keys the backup carries
	// (DATA_DIR/keys); empty skips them.
	KeysDir string
	// Out receives one progress line per collection.
	Out io.Writer
}

// Restore brings the backup at location (a folder, or an s3:// URL as
// BACKUP_S3_URL describes it, naming the backup's folder) back into st. It
// checks the manifest and every file first, refuses a database holding
// documents unless Drop, then restores each collection with its indexes.
func Restore(ctx context.Context, st *store.Store, location string, o RestoreOptions) error {
	dir := location
	if strings.HasPrefix(location, "s3://") {
		tmp, err := os.MkdirTemp("", "guichet-restore-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		s3, err := NewS3(location)
		if err != nil {
			return fmt.Errorf("LOCATION: %w", err)
		}
		if err := s3.Download(ctx, tmp); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "downloaded %s\n", redact(location))
		dir = tmp
	}
	// Check: the manifest and every file, before any change.
	m, err := Verify(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "backup %s of %s (database %s): %d collections, every file checked\n",
		m.ID, m.CreatedAt.Format(time.RFC3339), m.Database, len(m.Collections))
	keys, err := keysToWrite(dir, m, o)
	if err != nil {
		return err
	}
	if err := checkTarget(ctx, st, o.Drop); err != nil {
		return err
	}
	// Replace: drop, then load each collection and recreate its indexes.
	if o.Drop {
		names, err := st.DataCollections(ctx)
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := st.DropCollection(ctx, n); err != nil {
				return err
			}
		}
	}
	for _, c := range m.Collections {
		if err := restoreCollection(ctx, st, dir, c, o.Out); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := writeKey(filepath.Join(dir, filepath.FromSlash(k.File)), filepath.Join(o.KeysDir, filepath.Base(k.File))); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "key %s restored into %s\n", filepath.Base(k.File), o.KeysDir)
	}
	fmt.Fprintf(o.Out, "restore done: %d collections, %d documents\n", len(m.Collections), sumDocs(m))
	return nil
}

// checkTarget refuses a database holding documents unless drop.
func checkTarget(ctx context.Context, st *store.Store, drop bool) error {
	if drop {
		return nil
	}
	name, err := st.FirstNonEmpty(ctx)
	if err != nil {
		return err
	}
	if name != "" {
		return fmt.Errorf("database %s is not empty (collection %s has documents): restore refuses to overwrite it; use --drop to replace its contents",
			st.Name(), name)
	}
	return nil
}

// keysToWrite returns the backup's development keys that the target lacks.
// A different key already there is refused unless Drop: it signs tokens and
// ticket codes that the restored data would no longer match.
func keysToWrite(dir string, m *Manifest, o RestoreOptions) ([]File, error) {
	if o.KeysDir == "" {
		return nil, nil
	}
	var out []File
	for _, k := range m.Keys {
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(k.File)))
		if err != nil {
			return nil, err
		}
		have, err := os.ReadFile(filepath.Join(o.KeysDir, filepath.Base(k.File)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			out = append(out, k)
		case err != nil:
			return nil, err
		case bytes.Equal(have, want):
		case o.Drop:
			out = append(out, k)
		default:
			return nil, fmt.Errorf("%s differs from the backup's %s: restore refuses to replace a key; use --drop to replace it",
				filepath.Join(o.KeysDir, filepath.Base(k.File)), k.File)
		}
	}
	return out, nil
}

// restoreCollection replaces collection c with the backup's documents and
// indexes, and prints its progress line.
func restoreCollection(ctx context.Context, st *store.Store, dir string, c Collection, out io.Writer) error {
	start := time.Now()
	f, err := os.Open(filepath.Join(dir, c.File.File))
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", c.File.File, err)
	}
	// The collection may exist empty (a start-up created its indexes): drop
	// it so that the indexes come back exactly as the backup has them.
	if err := st.DropCollection(ctx, c.Name); err != nil {
		return err
	}
	if err := st.CreateCollection(ctx, c.Name); err != nil {
		return err
	}
	n, err := st.LoadCollection(ctx, c.Name, zr)
	if err != nil {
		return err
	}
	if n != c.Documents {
		return fmt.Errorf("restore %s: %d documents read, the manifest says %d", c.Name, n, c.Documents)
	}
	if err := st.CreateIndexSpecs(ctx, c.Name, c.Indexes); err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s: %d documents, %d indexes (%s)\n", c.Name, n, len(c.Indexes),
		time.Since(start).Round(time.Millisecond))
	return nil
}

// writeKey copies a key file into place with mode 0600, atomically.
func writeKey(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	_ = os.Remove(tmp)
	if err := writeSynced(tmp, b); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

func sumDocs(m *Manifest) int64 {
	var n int64
	for _, c := range m.Collections {
		n += c.Documents
	}
	return n
}

// redact hides the credentials of an s3:// URL.
func redact(location string) string {
	if i := strings.Index(location, "@"); i > 0 {
		return "s3://…" + location[i:]
	}
	return location
}
