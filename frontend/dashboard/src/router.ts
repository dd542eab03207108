// Chatwoot's dashboard paths (/app/login, /app/accounts/:id/conversations/:id), so links
// people keep from Chatwoot still open the same screens.
import { createRouter, createWebHistory } from 'vue-router';
import { session, restore } from './session';
import { whenUnauthenticated } from './api/client';
import SignIn from './views/SignIn.vue';
import Layout from './views/Layout.vue';
import Inbox from './views/Inbox.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/app/login', name: 'login', component: SignIn, meta: { public: true } },
    {
      path: '/app/accounts/:accountId',
      component: Layout,
      children: [
        { path: '', redirect: (to) => `/app/accounts/${to.params.accountId}/conversations` },
        { path: 'dashboard', redirect: (to) => `/app/accounts/${to.params.accountId}/conversations` },
        { path: 'conversations', name: 'inbox', component: Inbox },
        { path: 'conversations/:conversationId', name: 'conversation', component: Inbox },
        // Rarely visited screens are loaded on demand, keeping the inbox's first load small.
        { path: 'profile/settings', name: 'profile', component: () => import('./views/Profile.vue') },
      ],
    },
    { path: '/app/:rest(.*)*', name: 'home', component: SignIn, meta: { home: true } },
  ],
});

let restored = false;

router.beforeEach(async (to) => {
  if (!restored) {
    restored = true;
    await restore();
  }
  const user = session.user;
  if (to.meta.public) return user && user.accounts.length ? firstAccount() : true;
  if (!user) return { name: 'login', query: to.fullPath !== '/app' && !to.meta.home ? { redirect: to.fullPath } : {} };
  if (to.meta.home) return firstAccount();
  const id = Number(to.params.accountId);
  if (!user.accounts.some((a) => a.id === id)) return firstAccount();
  return true;
});

function firstAccount() {
  const u = session.user;
  const id = u?.account_id && u.accounts.some((a) => a.id === u.account_id) ? u.account_id : u?.accounts[0]?.id;
  return id ? `/app/accounts/${id}/conversations` : { name: 'login', query: { noaccount: '1' } };
}

whenUnauthenticated(() => {
  session.user = null;
  router.push({ name: 'login' });
});
