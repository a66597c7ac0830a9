import { url } from '../config';

/** logoURL is the logo as a file of the build (for the login page's brand image). */
export const logoURL = url('/logo.svg');

/**
 * Logo is the platform's mark: a hexagon (a container, a node) holding
 * three stacked layers, the platform, its workspaces and their projects.
 * Drawn inline in the masthead so that it costs no request.
 */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg className="ke-logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path d="M16 1.5 28.6 8.75v14.5L16 30.5 3.4 23.25V8.75z" fill="#0066cc" stroke="#0066cc" strokeWidth="2" strokeLinejoin="round" />
      <path d="m16 15.5 7 4-7 4-7-4z" fill="#fff" fillOpacity=".55" />
      <path d="m16 11.5 7 4-7 4-7-4z" fill="#fff" fillOpacity=".78" />
      <path d="m16 7.5 7 4-7 4-7-4z" fill="#fff" />
    </svg>
  );
}
