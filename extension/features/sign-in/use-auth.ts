import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { onBroadcast, sendMessage, type AuthState } from '../../lib/messages.ts';

export const AUTH_QUERY_KEY = ['auth'] as const;

/** The background's sign-in state, kept current by its `auth.changed` broadcasts. */
export function useAuthState() {
  const queryClient = useQueryClient();
  useEffect(
    () =>
      onBroadcast((message) => {
        if (message.event === 'auth.changed') queryClient.setQueryData<AuthState>(AUTH_QUERY_KEY, message.state);
      }),
    [queryClient],
  );
  return useQuery({ queryKey: AUTH_QUERY_KEY, queryFn: () => sendMessage('auth.get') });
}

/**
 * Whether the backend answers (`backend.health`), asked while signed out: signing in needs it. `recheck` is part of
 * the key, so a new sign-in problem (e.g. a renewal that could not reach the backend) asks again.
 */
export function useBackendHealth(recheck: string) {
  return useQuery({
    queryKey: ['backend-health', recheck],
    queryFn: () => sendMessage('backend.health'),
    retry: false,
    // Asking again keeps what is shown until the new answer arrives.
    placeholderData: keepPreviousData,
  });
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => sendMessage('auth.signIn', { interactive: true }),
    onSuccess: (state) => queryClient.setQueryData<AuthState>(AUTH_QUERY_KEY, state),
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => sendMessage('auth.signOut'),
    onSuccess: (state) => {
      queryClient.setQueryData<AuthState>(AUTH_QUERY_KEY, state);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== AUTH_QUERY_KEY[0] });
    },
  });
}
