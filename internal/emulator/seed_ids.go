package emulator

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// Every id the emulator hands out is derived from a stable key (what the
// object is, or the how-manieth of its kind), so that the seeded workspace
// and account, and the ids of objects created through the API, are the
// same on every start.

func idHash(kind, key string) [32]byte {
	return sha256.Sum256([]byte(kind + "\x00" + key))
}

// stableUUID is a version-4-shaped UUID, as budgets, alerts, budget
// policies and pipelines have.
func stableUUID(kind, key string) string {
	h := idHash(kind, key)
	h[6] = h[6]&0x0f | 0x40 // version 4
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// stableHexID is sixteen upper-case hex digits, the shape of a cluster
// policy id.
func stableHexID(kind, key string) string {
	h := idHash(kind, key)
	return strings.ToUpper(fmt.Sprintf("%x", h[0:8]))
}

// stableClusterID has the shape of a cluster id, MMDD-HHMMSS-xxxxxxxx.
func stableClusterID(key string) string {
	h := idHash("cluster", key)
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	suffix := make([]byte, 8)
	for i := range suffix {
		suffix[i] = letters[int(h[8+i])%len(letters)]
	}
	return fmt.Sprintf("%02d%02d-%02d%02d%02d-%s",
		1+int(h[0])%12, 1+int(h[1])%28, int(h[2])%24, int(h[3])%60, int(h[4])%60, suffix)
}

// stableJobID is a positive number of fifteen digits, the size real job
// ids have.
func stableJobID(key string) int64 {
	h := idHash("job", key)
	return 100_000_000_000_000 + int64(binary.BigEndian.Uint64(h[0:8])%900_000_000_000_000)
}

// stableGroupID is a number of fifteen digits, the shape of an account
// group's SCIM id.
func stableGroupID(name string) string {
	h := idHash("account-group", name)
	return fmt.Sprint(100_000_000_000_000 + binary.BigEndian.Uint64(h[0:8])%900_000_000_000_000)
}
