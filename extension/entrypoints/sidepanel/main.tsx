import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectAbly } from '../../features/session-list/ably-connection.ts';
import { managedPolicy } from '../../lib/settings.ts';
import '../../lib/ui/base.css';
import { SidePanelApp } from './side-panel-app.tsx';
import './style.css';

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true } } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SidePanelApp connect={connectAbly} policy={managedPolicy} />
    </QueryClientProvider>
  </StrictMode>,
);
