export { PlatformNotification as default } from './Notification';
