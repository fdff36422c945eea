package trail

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/novadynamics/stellar-budget/internal/hashchain"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// FileName is the trail's name in the state directory.
const FileName = state.Trail

// FileStore keeps the trail as JSON Lines, one entry a line, with
// internal/hashchain's file mechanics: appends take an exclusive flock on
// trail.jsonl.lock and replace the file atomically, so concurrent writers
// in several processes neither lose nor interleave entries, and readers
// need no lock.
type FileStore struct {
	path  string
	chain *hashchain.File[Entry]
}

var _ Store = (*FileStore)(nil)

// NewFileStore keeps the trail in stateDir/trail.jsonl.
func NewFileStore(stateDir string) *FileStore {
	path := filepath.Join(stateDir, FileName)
	return &FileStore{path: path, chain: &hashchain.File[Entry]{Path: path, Log: "agent trail", Noun: "trail", Decode: decodeLine}}
}

// Location is the file's path.
func (s *FileStore) Location() string { return s.path }

func decodeLine(line []byte) (Entry, hashchain.Link, error) {
	e, err := DecodeEntry(line)
	if err != nil {
		return Entry{}, hashchain.Link{}, err
	}
	return e, e.link(), nil
}

// Lookup reads the trail and returns the entry with key.
func (s *FileStore) Lookup(ctx context.Context, key string) (Entry, bool, error) {
	entries, err := s.Entries(ctx)
	if err != nil {
		return Entry{}, false, err
	}
	for _, e := range entries {
		if e.Key == key {
			return e, true, nil
		}
	}
	return Entry{}, false, nil
}

// Append adds d under the file's lock unless its key is there.
func (s *FileStore) Append(_ context.Context, d Decision) (Entry, bool, error) {
	d, err := normalize(d)
	if err != nil {
		return Entry{}, false, fmt.Errorf("append to agent trail: %w", err)
	}
	var (
		out      Entry
		inserted bool
	)
	_, err = s.chain.Append(func(entries []Entry, head hashchain.Link) ([][]byte, error) {
		if err := uniqueKeys("agent trail", s.path, "line", entries); err != nil {
			return nil, fmt.Errorf("append to agent trail: %w", err)
		}
		for _, e := range entries {
			if e.Key == d.Key {
				out = e
				return nil, nil
			}
		}
		e, line, err := seal(d, head.Seq+1, head.Hash)
		if err != nil {
			return nil, err
		}
		out, inserted = e, true
		return [][]byte{line}, nil
	})
	if err != nil {
		return Entry{}, false, err
	}
	return out, inserted, nil
}

// Entries returns the trail after checking its chain and its keys.
func (s *FileStore) Entries(context.Context) ([]Entry, error) {
	_, entries, err := s.chain.Verify("")
	if err != nil {
		return nil, err
	}
	if err := uniqueKeys("agent trail", s.path, "line", entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// Verify checks the chain, the keys and the expected head.
func (s *FileStore) Verify(_ context.Context, expectHead string) (Head, error) {
	head, entries, err := s.chain.Verify(expectHead)
	if err != nil {
		return head, err
	}
	return head, uniqueKeys("agent trail", s.path, "line", entries)
}
