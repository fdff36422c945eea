package emulator

import "net/http"

// handle registers h for pattern (a net/http ServeMux pattern such as
// "GET /api/2.1/clusters/list") behind the emulator's middleware: bearer
// token check (an account route takes the service principal's account
// OAuth token only), the X-Databricks-Org-Id check, and the configured
// faults.
// Every workspace and account endpoint registers through it; the admin
// endpoints go through handleAdmin, which skips the faults.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.middleware(h))
}

// routes registers every endpoint.
func (s *Server) routes() {
	s.statementRoutes()
	s.linkRoutes()
	s.warehouseRoutes()
	s.adminRoutes()
	s.workspaceRoutes()
	s.accountRoutes()
	s.oauthRoutes()
	s.handle("/", s.notFound)
}

// seed fills the emulated workspace and account.
func (s *Server) seed() error {
	if err := s.seedWarehouses(); err != nil {
		return err
	}
	if err := s.seedWorkspace(); err != nil {
		return err
	}
	return s.seedAccount()
}
