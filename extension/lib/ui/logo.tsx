/** The product mark: a video camera on a blue tile. */
export function Logo({ className }: { className?: string }) {
  return (
    <svg className={className} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect width="24" height="24" rx="6" fill="#1a73e8" />
      <path
        fill="#fff"
        d="M5.5 8.25c0-.97.78-1.75 1.75-1.75h6c.97 0 1.75.78 1.75 1.75v.9l2.47-1.65a.8.8 0 0 1 1.24.66v7.68a.8.8 0 0 1-1.24.66L15 14.85v.9c0 .97-.78 1.75-1.75 1.75h-6c-.97 0-1.75-.78-1.75-1.75z"
      />
    </svg>
  );
}
