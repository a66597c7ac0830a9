export { MyNotifications as default } from './Notification';
