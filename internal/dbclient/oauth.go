package dbclient

import "github.com/databricks/databricks-sdk-go/config"

// pinOAuthM2M makes a configuration that holds a service principal's
// client id and secret, and no other credential or auth type, use OAuth
// machine-to-machine by name. Left to its default chain, the SDK tries
// oauth-m2m among the others and, when it fails, forgets why: a host that
// refuses connections, or a refused secret, would end as "cannot configure
// default credentials" after every other method was tried, where this way
// the error says what happened (the ConnectError, or invalid_client).
func pinOAuthM2M(c *config.Config) {
	if c.AuthType == "" && c.ClientID != "" && c.ClientSecret != "" && c.Token == "" && c.Username == "" && c.Password == "" {
		c.AuthType = "oauth-m2m"
	}
}
