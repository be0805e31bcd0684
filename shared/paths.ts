/** Backend routes, shared by the backend router and the extension's client. */
export const API_PATHS = {
  health: '/health',
  authSession: '/api/auth/session',
  meetCanUse: '/api/meet/can-use',
  meetLinks: '/api/meet/links',
  sessions: '/api/sessions',
  session: (sessionId: string) => `/api/sessions/${sessionId}`,
  realtimeToken: '/api/realtime/token',
  adminSolvers: '/api/admin/solvers',
  adminSessions: '/api/admin/sessions',
} as const;
