package main

import (
	"reflect"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// The source flags give one typed source, or the error that names the
// flags that disagree with the choice.
func TestSourceFromFlags(t *testing.T) {
	t.Setenv("DATABRICKS_WAREHOUSE_ID", "")
	live := warehouse.Config{WarehouseID: "wh1", Profile: "WS", StartTimeout: time.Minute, ConnectTimeout: dbclient.DefaultConnectTimeout}
	tests := []struct {
		name    string
		args    []string
		want    pipeline.Source
		wantErr string
	}{
		{"demo by default", nil, pipeline.DemoSource{}, ""},
		{"files", []string{"--source", "files", "--usage", "u.csv", "--usage", "v.csv", "--list-prices", "p.csv"},
			pipeline.FilesSource{Usage: []string{"u.csv", "v.csv"}, ListPrices: []string{"p.csv"}}, ""},
		{"databricks", []string{"--source", "databricks", "--warehouse-id", "wh1", "--profile", "WS", "--warehouse-timeout", "1m"},
			pipeline.DatabricksSource{Config: live}, ""},
		{"databricks offline without a warehouse", []string{"--source", "databricks", "--offline"},
			pipeline.DatabricksSource{Config: warehouse.Config{Offline: true, StartTimeout: warehouse.DefaultStartTimeout, ConnectTimeout: dbclient.DefaultConnectTimeout}}, ""},
		{"unknown", []string{"--source", "nope"}, nil, `unknown source "nope" (want demo, files or databricks)`},
		{"exports with demo", []string{"--usage", "u.csv"}, nil, "--usage and --list-prices need --source files"},
		{"exports with databricks", []string{"--source", "databricks", "--warehouse-id", "wh1", "--list-prices", "p.csv"}, nil, "--usage and --list-prices need --source files"},
		{"files without prices", []string{"--source", "files", "--usage", "u.csv"}, nil, "--source files needs --usage and --list-prices"},
		{"databricks without a warehouse", []string{"--source", "databricks"}, nil, "--source databricks needs a SQL warehouse: --warehouse-id or DATABRICKS_WAREHOUSE_ID"},
		{"negative start timeout", []string{"--source", "databricks", "--warehouse-id", "wh1", "--warehouse-timeout", "-1s"}, nil, "--warehouse-timeout -1s: want a positive duration"},
		{"offline with demo", []string{"--offline"}, nil, "--offline and --profile need --source databricks"},
		{"profile with files", []string{"--source", "files", "--usage", "u.csv", "--list-prices", "p.csv", "--profile", "WS"}, nil, "--offline and --profile need --source databricks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var flags sourceFlags
			f := pflag.NewFlagSet("build", pflag.ContinueOnError)
			flags.register(f, true)
			if err := f.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := flags.source()
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr || got != nil {
					t.Fatalf("source = %v, %v; want the error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("source = %#v, want %#v", got, tc.want)
			}
		})
	}
}
