export { ProjectAlerts as default } from './Alerts';
