export { PlatformAlerts as default } from './Alerts';
