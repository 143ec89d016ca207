package backup

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"guichet.dev/shared/store"
)

// manifestName is the manifest's file name in a backup folder; keysDir the
// folder of development keys.
const (
	manifestName  = "manifest.json"
	keysDir       = "keys"
	formatVersion = 1
)

// Manifest describes a backup folder; restore checks every file against it
// before touching the database.
type Manifest struct {
	Format      int          `json:"format"`
	ID          string       `json:"id"`
	CreatedAt   time.Time    `json:"createdAt"`
	Database    string       `json:"database"`
	Collections []Collection `json:"collections"`
	Keys        []File       `json:"keys,omitempty"`
}

// Collection is one collection's file and indexes.
type Collection struct {
	Name      string `json:"name"`
	Documents int64  `json:"documents"`
	File
	Indexes []json.RawMessage `json:"indexes"` // canonical Extended JSON, as listIndexes gives them
}

// File is one file of the folder: its name, size and SHA-256.
type File struct {
	File   string `json:"file"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

func (m *Manifest) counts() map[string]int64 {
	c := make(map[string]int64, len(m.Collections))
	for _, col := range m.Collections {
		c[col.Name] = col.Documents
	}
	return c
}

func (m *Manifest) bytes() int64 {
	var n int64
	for _, col := range m.Collections {
		n += col.Bytes
	}
	return n
}

// write dumps every collection into a temporary folder, syncs it and renames
// it into place. On error nothing is left behind.
func (s *Service) write(ctx context.Context, r *store.BackupRun) (_ *Manifest, _ string, err error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("create BACKUP_DIR: %w", err)
	}
	tmp := filepath.Join(s.dir, ".tmp-"+r.ID)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, "", fmt.Errorf("create temporary folder: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	m := &Manifest{Format: formatVersion, ID: r.ID, CreatedAt: r.CreatedAt, Database: s.st.Name()}
	names, err := s.st.DataCollections(ctx)
	if err != nil {
		return nil, "", err
	}
	for _, name := range names {
		col, err := s.dumpCollection(ctx, tmp, name)
		if err != nil {
			return nil, "", err
		}
		m.Collections = append(m.Collections, col)
	}
	if m.Keys, err = copyKeys(tmp, s.keyFiles); err != nil {
		return nil, "", err
	}
	if err := writeManifest(tmp, m); err != nil {
		return nil, "", err
	}
	if err := syncPath(tmp); err != nil {
		return nil, "", err
	}
	final := absDir(filepath.Join(s.dir, folderName(r)))
	if err := os.Rename(tmp, final); err != nil {
		return nil, "", fmt.Errorf("rename backup folder: %w", err)
	}
	if err := syncPath(s.dir); err != nil {
		_ = os.RemoveAll(final)
		return nil, "", err
	}
	if _, err := Verify(final); err != nil {
		_ = os.RemoveAll(final)
		return nil, "", err
	}
	return m, final, nil
}

// dumpCollection streams collection name through gzip into its file,
// hashing the file's bytes on the way.
func (s *Service) dumpCollection(ctx context.Context, dir, name string) (Collection, error) {
	col := Collection{Name: name, File: File{File: url.PathEscape(name) + ".jsonl.gz"}}
	indexes, err := s.st.CollectionIndexes(ctx, name)
	if err != nil {
		return col, err
	}
	col.Indexes = indexes
	f, err := os.OpenFile(filepath.Join(dir, col.File.File), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return col, fmt.Errorf("create %s: %w", col.File.File, err)
	}
	defer f.Close()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	bw := bufio.NewWriterSize(cw, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.DefaultCompression)
	if err != nil {
		return col, err
	}
	if col.Documents, err = s.st.DumpCollection(ctx, name, zw); err != nil {
		return col, err
	}
	if err := zw.Close(); err != nil {
		return col, fmt.Errorf("write %s: %w", col.File.File, err)
	}
	if err := bw.Flush(); err != nil {
		return col, fmt.Errorf("write %s: %w", col.File.File, err)
	}
	if err := f.Sync(); err != nil {
		return col, fmt.Errorf("sync %s: %w", col.File.File, err)
	}
	col.Bytes, col.SHA256 = cw.n, hex.EncodeToString(h.Sum(nil))
	return col, f.Close()
}

// copyKeys copies the development key files that exist into dir/keys with
// mode 0600.
func copyKeys(dir string, files []string) ([]File, error) {
	var out []File
	for _, src := range files {
		b, err := os.ReadFile(src)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read key %s: %w", filepath.Base(src), err)
		}
		if err := os.MkdirAll(filepath.Join(dir, keysDir), 0o700); err != nil {
			return nil, err
		}
		name := filepath.ToSlash(filepath.Join(keysDir, filepath.Base(src)))
		if err := writeSynced(filepath.Join(dir, name), b); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out = append(out, File{File: name, Bytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])})
	}
	return out, nil
}

func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeSynced(filepath.Join(dir, manifestName), append(b, '\n'))
}

// writeSynced writes b to a new file (mode 0600) and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// syncPath fsyncs a folder, so the entries created or renamed in it are
// durable.
func syncPath(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Verify reads the manifest of the backup folder dir and checks every file
// against it: size and SHA-256, and for collections a whole gzip stream with
// as many documents as the manifest says. The error names the bad file.
func Verify(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, fmt.Errorf("backup %s: read %s: %w", dir, manifestName, err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("backup %s: %s is damaged: %w", dir, manifestName, err)
	}
	if m.Format != formatVersion {
		return nil, fmt.Errorf("backup %s: %s: unknown format %d", dir, manifestName, m.Format)
	}
	for _, col := range m.Collections {
		if err := verifyFile(dir, col.File, col.Documents); err != nil {
			return nil, err
		}
	}
	for _, k := range m.Keys {
		if err := verifyFile(dir, k, -1); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// verifyFile checks f; lines >= 0 also checks it is a gzip stream of that
// many lines.
func verifyFile(dir string, f File, lines int64) error {
	if !filepath.IsLocal(f.File) {
		return fmt.Errorf("backup %s: %s: file name outside the backup", dir, f.File)
	}
	fh, err := os.Open(filepath.Join(dir, f.File))
	if err != nil {
		return fmt.Errorf("backup %s: %s: %w", dir, f.File, err)
	}
	defer fh.Close()
	h := sha256.New()
	cr := &countReader{r: io.TeeReader(fh, h)}
	var n int64
	if lines >= 0 {
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return fmt.Errorf("backup %s: %s is damaged (not gzip): %w", dir, f.File, err)
		}
		n, err = countLines(zr)
		if err != nil {
			return fmt.Errorf("backup %s: %s is damaged: %w", dir, f.File, err)
		}
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return fmt.Errorf("backup %s: %s: %w", dir, f.File, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != f.SHA256 || cr.n != f.Bytes {
		return fmt.Errorf("backup %s: %s is damaged: SHA-256 %s (%d bytes), the manifest says %s (%d bytes)",
			dir, f.File, sum, cr.n, f.SHA256, f.Bytes)
	}
	if lines >= 0 && n != lines {
		return fmt.Errorf("backup %s: %s holds %d documents, the manifest says %d", dir, f.File, n, lines)
	}
	return nil
}

func countLines(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
