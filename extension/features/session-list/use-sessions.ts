import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { onBroadcast, sendMessage } from '../../lib/messages.ts';
import { startLiveUpdates, type ConnectRealtime, type LiveMode } from './live-updates.ts';

export const SESSIONS_QUERY_KEY = ['sessions'] as const;
export const CAN_USE_QUERY_KEY = ['canUse'] as const;
/** How often the list refreshes when realtime updates are not available. */
export const POLL_INTERVAL_MS = 5_000;

export function useSessions(polling: boolean) {
  return useQuery({
    queryKey: SESSIONS_QUERY_KEY,
    queryFn: () => sendMessage('sessions.list'),
    select: (result) => result.sessions,
    refetchInterval: polling ? POLL_INTERVAL_MS : false,
  });
}

export function useCanUseMeet() {
  return useQuery({ queryKey: CAN_USE_QUERY_KEY, queryFn: () => sendMessage('meet.canUse'), staleTime: 60_000 });
}

/**
 * Keeps the list current: Ably pushes when the backend has it, polling otherwise, plus the background's
 * `sessions.changed` broadcasts for changes made from this browser.
 */
export function useLiveSessionUpdates(solverId: string, connect: ConnectRealtime): LiveMode {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<LiveMode>('connecting');
  useEffect(() => {
    const refresh = () => void queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY });
    const stopBroadcasts = onBroadcast((message) => {
      if (message.event === 'sessions.changed') refresh();
    });
    const stopLive = startLiveUpdates({
      solverId,
      getTokenRequest: () => sendMessage('realtime.tokenRequest'),
      connect,
      onUpdate: refresh,
      onMode: setMode,
    });
    return () => {
      stopBroadcasts();
      stopLive();
    };
  }, [solverId, connect, queryClient]);
  return mode;
}

export function useStartMeet() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) => sendMessage('meet.start', { sessionId }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY }),
  });
}

export function useOpenMeet() {
  return useMutation({
    mutationFn: ({ sessionId, url }: { sessionId: string; url: string }) => sendMessage('meet.open', { sessionId, url }),
  });
}

export function useResendSms() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) => sendMessage('meet.resendSms', { sessionId }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY }),
  });
}
