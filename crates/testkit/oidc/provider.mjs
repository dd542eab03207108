// A real OpenID provider on loopback for the sign-in tests: the certified `oidc-provider`
// with one confidential client and the accounts the test asks for.
//
// Configuration comes as JSON in OIDC_TEST_CONFIG:
//   { "port": 4000, "clientId": "...", "clientSecret": "...", "redirectUri": "...",
//     "accounts": { "alice": { "email": "...", "email_verified": true, "name": "...", "groups": [] } } }
//
// Interactions are automatic, so the test needs no HTML parsing: the login step signs in
// the account named by the authorization request's `login_hint` (the test appends it to
// the URL Switchboard redirects to), and the consent step grants what was asked. Without
// a hint the login step answers 400, so a test can never sign in someone by accident.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '{}');
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts ?? {};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uris: [config.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  // Switchboard must send a PKCE challenge even as a confidential client.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  // Claims in the ID token itself, as Pocket ID and Keycloak put them there.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ['switchboard-test-only'] },
  ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (!match || ctx.method !== 'GET') return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (details.prompt.name === 'login') {
    const hint = details.params.login_hint ?? config.defaultLogin;
    if (!hint || !accounts[hint]) {
      ctx.status = 400;
      ctx.body = { error: 'no_such_test_account', login_hint: hint ?? null };
      return;
    }
    result = { login: { accountId: hint } };
  } else if (details.prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const { missingOIDCClaims } = details.prompt.details;
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  } else {
    ctx.status = 400;
    ctx.body = { error: `unexpected prompt ${details.prompt.name}` };
    return;
  }
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.redirect(to);
});

provider.listen(config.port, '127.0.0.1', () => {
  // The test waits for this line before it signs anyone in.
  console.log(`ready ${issuer}`);
});
