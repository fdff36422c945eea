package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// sourceFlags are the flags that choose and configure the usage source,
// which build, backtest and check share.
type sourceFlags struct {
	kind       string
	usage      []string
	listPrices []string
	// databricks is how the databricks source reaches its SQL warehouse;
	// check and the agent trail reach the same workspace with it.
	databricks warehouse.Config
}

// register registers the source flags. The databricks source's profile
// is left out where the command names its own.
func (s *sourceFlags) register(f *pflag.FlagSet, profile bool) {
	f.StringVar(&s.kind, "source", pipeline.SourceDemo, "where usage comes from: demo, files or databricks (a SQL warehouse of the live account)")
	f.StringArrayVar(&s.usage, "usage", nil, "usage export: file, directory or glob (files source; repeatable)")
	f.StringArrayVar(&s.listPrices, "list-prices", nil, "list price export: file, directory or glob (files source; repeatable)")
	f.StringVar(&s.databricks.WarehouseID, "warehouse-id", os.Getenv("DATABRICKS_WAREHOUSE_ID"), "SQL warehouse the attribution runs on (databricks source; default $DATABRICKS_WAREHOUSE_ID)")
	if profile {
		f.StringVar(&s.databricks.Profile, "profile", "", "Databricks config profile (databricks source; default: the SDK's unified auth, DATABRICKS_* environment then the DEFAULT profile of ~/.databrickscfg)")
	}
	f.DurationVar(&s.databricks.StartTimeout, "warehouse-timeout", warehouse.DefaultStartTimeout, "how long to wait for a stopped SQL warehouse to start (databricks source)")
	registerConnectTimeout(f, &s.databricks.ConnectTimeout)
	f.BoolVar(&s.databricks.Offline, "offline", false, "read usage from the databricks source's cache in --state alone, without contacting Databricks")
}

// source is the usage source the flags choose, once the flags that
// configure it agree with the choice.
func (s sourceFlags) source() (pipeline.Source, error) {
	files := len(s.usage) > 0 || len(s.listPrices) > 0
	switch s.kind {
	case pipeline.SourceDemo:
		if files {
			return nil, fmt.Errorf("--usage and --list-prices need --source files")
		}
		if err := s.notDatabricks(); err != nil {
			return nil, err
		}
		return pipeline.DemoSource{}, nil
	case pipeline.SourceFiles:
		if len(s.usage) == 0 || len(s.listPrices) == 0 {
			return nil, fmt.Errorf("--source files needs --usage and --list-prices")
		}
		if err := s.notDatabricks(); err != nil {
			return nil, err
		}
		return pipeline.FilesSource{Usage: s.usage, ListPrices: s.listPrices}, nil
	case pipeline.SourceDatabricks:
		switch {
		case files:
			return nil, fmt.Errorf("--usage and --list-prices need --source files")
		case s.databricks.WarehouseID == "" && !s.databricks.Offline:
			return nil, fmt.Errorf("--source databricks needs a SQL warehouse: --warehouse-id or DATABRICKS_WAREHOUSE_ID")
		case s.databricks.StartTimeout < 0:
			return nil, fmt.Errorf("--warehouse-timeout %s: want a positive duration", s.databricks.StartTimeout)
		}
		return pipeline.DatabricksSource{Config: s.databricks}, nil
	}
	return nil, fmt.Errorf("unknown source %q (want demo, files or databricks)", s.kind)
}

// notDatabricks refuses the flags only the databricks source reads.
func (s sourceFlags) notDatabricks() error {
	if s.databricks.Offline || s.databricks.Profile != "" {
		return fmt.Errorf("--offline and --profile need --source databricks")
	}
	return nil
}
