import { createApp } from 'vue';
import App from './App.vue';
import { applyBrand, defaultLocale } from './config';
import { setLocale } from './i18n';
import { router } from './router';
import { applyTheme } from './theme';
import './style.css';

applyBrand();
applyTheme();
setLocale(defaultLocale);
createApp(App).use(router).mount('#app');
