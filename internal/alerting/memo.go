package alerting

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"sync"
	"time"

	"github.com/novadynamics/stellar-budget/internal/forecast"
)

// Memo keeps the month-end point forecasts the forecast rule made, so that
// a build that finds the same history does not fit a model a day again:
// the rule judges every day of the months shown, and on a build with
// nothing new that was a third of its time. A forecast is keyed by its day
// and a hash of the series up to that day (its start and every value), so
// a day whose history a correction changed is forecast again. The zero
// Memo is empty; a nil *Memo keeps nothing.
type Memo struct {
	// Forecasts are the month-end points by key.
	Forecasts map[string]float64 `json:"forecasts"`

	mu   sync.Mutex
	used map[string]float64
}

// Used returns a Memo of the forecasts this build asked for, computed or
// found: what the next build can use; older ones are dropped.
func (m *Memo) Used() *Memo {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &Memo{Forecasts: m.used}
}

// Hits counts the forecasts found rather than computed.
func (m *Memo) Hits() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	hits := 0
	for k := range m.used {
		if _, ok := m.Forecasts[k]; ok {
			hits++
		}
	}
	return hits
}

// prefixKeys are the memo keys of each day of series: the day and a chain
// hash of the start and the values up to it.
func prefixKeys(series forecast.Series) []string {
	keys := make([]string, len(series.Values))
	h := sha256.Sum256([]byte(series.Start.UTC().Format(time.DateOnly)))
	var buf [sha256.Size + 8]byte
	for i, v := range series.Values {
		copy(buf[:], h[:])
		binary.LittleEndian.PutUint64(buf[sha256.Size:], math.Float64bits(v))
		h = sha256.Sum256(buf[:])
		keys[i] = series.Start.AddDate(0, 0, i).Format(time.DateOnly) + " " + hex.EncodeToString(h[:12])
	}
	return keys
}

// monthEndValue is forecast.MonthEnd(series, d)'s point, from the memo
// when it holds the key.
func (m *Memo) monthEndValue(series forecast.Series, d time.Time, key string) float64 {
	if m == nil {
		return forecast.MonthEnd(series, d, forecast.Limit{}).Value
	}
	m.mu.Lock()
	v, ok := m.Forecasts[key]
	m.mu.Unlock()
	if !ok {
		v = forecast.MonthEnd(series, d, forecast.Limit{}).Value
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v // not kept: JSON has no such number
	}
	m.mu.Lock()
	if m.used == nil {
		m.used = map[string]float64{}
	}
	m.used[key] = v
	m.mu.Unlock()
	return v
}
