package warehouse

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
)

// spellingColumns is the result of spellingsStatement.
var spellingColumns = []attribution.ResultColumn{{Name: "tag_value", Type: "STRING"}}

// spellingsStatement lists the OperationalCategory values as the usage
// rows since from carry them, before normalisation.
func spellingsStatement(from time.Time) string {
	return "SELECT DISTINCT CAST(custom_tags['OperationalCategory'] AS STRING) AS tag_value\nFROM " + usageTable +
		"\nWHERE usage_date >= " + dateLiteral(from) + " AND custom_tags['OperationalCategory'] IS NOT NULL"
}

// TagSpellings returns every OperationalCategory value the account's usage
// since from carries, as written: setup filters each category's budgets on
// the spellings that normalise to it, so the budget counts what the site
// counts.
func (s Source) TagSpellings(ctx context.Context, from time.Time) ([]string, error) {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	w, err := s.client()
	if err != nil {
		return nil, err
	}
	var out []string
	err = s.executor(w.StatementExecution).query(ctx, "read the tag spellings", spellingsStatement(from), spellingColumns, func(r []string) error {
		out = append(out, r[0])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("databricks source: %w", explain(err, w.Config.Host, s.WarehouseID))
	}
	return out, nil
}
