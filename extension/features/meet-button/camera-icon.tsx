/** The video camera drawn on the Meet button and the sign-in control. */
export function CameraIcon() {
  return (
    <svg className="ssm-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M4 6.5A2.5 2.5 0 0 1 6.5 4h7A2.5 2.5 0 0 1 16 6.5v1.38l3.3-2.2A1.1 1.1 0 0 1 21 6.6v10.8a1.1 1.1 0 0 1-1.7.92L16 16.12v1.38A2.5 2.5 0 0 1 13.5 20h-7A2.5 2.5 0 0 1 4 17.5z"
      />
    </svg>
  );
}
