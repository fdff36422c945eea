package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/novadynamics/stellar-budget/internal/alerting"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// memoFile is the forecast memo as kept in the state directory, with the
// executable that made it: another version's forecasts are not reused.
type memoFile struct {
	Executable string `json:"executable"`
	*alerting.Memo
}

// loadMemo reads the forecast memo of the last build; nil without a state
// directory (nothing is kept), empty with --full or when there is none or
// it is of another version. A memo that cannot be read is logged and
// built again.
func loadMemo(opts BuildOptions, log *slog.Logger) *alerting.Memo {
	if opts.StateDir == "" {
		return nil
	}
	empty := &alerting.Memo{}
	if opts.Full {
		return empty
	}
	exe, err := state.ExecutableID()
	if err != nil {
		log.Warn("cannot use the forecast memo", "err", err)
		return empty
	}
	path := filepath.Join(opts.StateDir, state.ForecastMemo)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return empty
	}
	var m memoFile
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err != nil {
		log.Warn("cannot use the forecast memo: forecasting every day", "file", path, "err", err)
		return empty
	}
	if m.Executable != exe || m.Memo == nil {
		return empty
	}
	return m.Memo
}

// saveMemo keeps the forecasts this build used for the next one.
func saveMemo(opts BuildOptions, memo *alerting.Memo, log *slog.Logger) {
	if memo == nil {
		return
	}
	log.Debug("forecast memo", "found", memo.Hits())
	exe, err := state.ExecutableID()
	if err == nil {
		var data []byte
		data, err = json.Marshal(memoFile{Executable: exe, Memo: memo.Used()})
		path := filepath.Join(opts.StateDir, state.ForecastMemo)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(path), 0o755)
		}
		if err == nil {
			err = state.WriteFile(path, data, state.FilePerm)
		}
	}
	if err != nil {
		log.Warn("cannot keep the forecast memo: the next build forecasts every day", "err", fmt.Errorf("write forecast memo: %w", err))
	}
}
