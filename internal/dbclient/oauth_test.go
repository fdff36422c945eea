package dbclient

import (
	"testing"

	"github.com/databricks/databricks-sdk-go/config"
)

func TestPinOAuthM2M(t *testing.T) {
	tests := []struct {
		name string
		cfg  *config.Config
		want string
	}{
		{"client id and secret", &config.Config{ClientID: "sp", ClientSecret: "dose-x"}, "oauth-m2m"},
		{"a PAT", &config.Config{Token: "dapi-x"}, ""},
		{"a PAT beside the client", &config.Config{ClientID: "sp", ClientSecret: "dose-x", Token: "dapi-x"}, ""},
		{"an id without a secret", &config.Config{ClientID: "sp"}, ""},
		{"an auth type named", &config.Config{ClientID: "sp", ClientSecret: "dose-x", AuthType: "databricks-cli"}, "databricks-cli"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pinOAuthM2M(tc.cfg)
			if tc.cfg.AuthType != tc.want {
				t.Errorf("auth type %q, want %q", tc.cfg.AuthType, tc.want)
			}
		})
	}
}
