package backup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is an S3-compatible bucket (and key prefix) that backups are copied to.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // without leading or trailing slash; may be empty
}

// NewS3 opens the bucket named by a URL of the form
//
//	s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix][?secure=false&region=R]
//
// secure defaults to true (HTTPS); the bucket must exist. Path-style
// requests are used, which every S3-compatible server accepts.
func NewS3(raw string) (*S3, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Scheme != "s3" || u.Host == "" {
		return nil, errors.New("want s3://ACCESS_KEY:SECRET_KEY@host:port/bucket/prefix")
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if bucket == "" {
		return nil, errors.New("the URL names no bucket (s3://host/bucket/prefix)")
	}
	secure := true
	if v := u.Query().Get("secure"); v != "" {
		if secure, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("secure=%q: want true or false", v)
		}
	}
	var creds *credentials.Credentials
	if u.User != nil {
		secret, _ := u.User.Password()
		creds = credentials.NewStaticV4(u.User.Username(), secret, "")
	} else {
		creds = credentials.NewIAM("")
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: creds, Secure: secure, Region: u.Query().Get("region"),
		BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, err
	}
	return &S3{client: c, bucket: bucket, prefix: strings.Trim(prefix, "/")}, nil
}

// key returns the object key of name under the prefix.
func (s *S3) key(name ...string) string {
	return path.Join(append([]string{s.prefix}, name...)...)
}

// Upload copies the files of the backup folder dir under prefix/<folder>/
// and returns that key prefix. The manifest goes last, so a listing that
// shows it shows a whole backup.
func (s *S3) Upload(ctx context.Context, dir string) (string, error) {
	folder := filepath.Base(dir)
	m, err := Verify(dir)
	if err != nil {
		return "", err
	}
	files := make([]string, 0, len(m.Collections)+len(m.Keys)+1)
	for _, c := range m.Collections {
		files = append(files, c.File.File)
	}
	for _, k := range m.Keys {
		files = append(files, k.File)
	}
	files = append(files, manifestName)
	for _, f := range files {
		if _, err := s.client.FPutObject(ctx, s.bucket, s.key(folder, f), filepath.Join(dir, filepath.FromSlash(f)),
			minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
			_ = s.Remove(context.WithoutCancel(ctx), s.key(folder))
			return "", fmt.Errorf("copy %s to S3 bucket %s: %w", f, s.bucket, err)
		}
	}
	return s.key(folder), nil
}

// Remove deletes every object under the key prefix of one backup.
func (s *S3) Remove(ctx context.Context, prefix string) error {
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("list S3 bucket %s: %w", s.bucket, obj.Err)
		}
		if err := s.client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			return fmt.Errorf("remove %s from S3 bucket %s: %w", obj.Key, s.bucket, err)
		}
	}
	return nil
}

// Download copies the backup under the URL's prefix into the folder dir,
// for a restore from S3 (LOCATION given as an s3:// URL).
func (s *S3) Download(ctx context.Context, dir string) error {
	n := 0
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + "/", Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("list S3 bucket %s: %w", s.bucket, obj.Err)
		}
		rel := strings.TrimPrefix(obj.Key, s.prefix+"/")
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("S3 object %s: name outside the backup", obj.Key)
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if err := s.client.FGetObject(ctx, s.bucket, obj.Key, dst, minio.GetObjectOptions{}); err != nil {
			return fmt.Errorf("download %s from S3 bucket %s: %w", obj.Key, s.bucket, err)
		}
		if err := os.Chmod(dst, 0o600); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("S3 bucket %s holds nothing under %s/", s.bucket, s.prefix)
	}
	return nil
}
