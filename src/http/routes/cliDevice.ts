/**
 * Device login approval page (docs/cli-api.md): `GET /cli/device[?user_code=]` shows a signed-in person a form with
 * the code (typed, or filled in from the link); posting it (`POST /cli/device` without `decision`) looks the code up
 * and shows it to compare, with the computer's name and who will be signed in; posting `decision=approve|deny`
 * decides. Every look-up is a CSRF-checked POST: a wrong code counts like a failed sign-in, so a GET (which another
 * site can make the person's browser send) never counts. The logic is in src/auth/deviceLogin.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { isGatehouseError, type GatehouseError } from '../../errors.js';
import { decideDeviceLogin, findDeviceLogin, formatUserCode } from '../../auth/deviceLogin.js';
import type { DeviceCode } from '../../store/repositories/deviceCodes.js';
import { checkCsrf, type WebSession } from '../session.js';
import { clientIp, pageSession, pageUser, requireFullSession } from '../guards.js';
import { choiceField, readInput, textField } from '../readInput.js';
import { sendFormError, sendPage } from '../signIn.js';
import { formatTime, readerTimeZone } from '../formatTime.js';

const linkQuery = z.object({ user_code: textField(32).optional() });
const codeForm = z.object({ user_code: textField(32), decision: choiceField(['approve', 'deny']).optional() });

/** Errors the page shows next to its form (a wrong or used code, back-off). */
function pageError(e: unknown): GatehouseError | undefined {
  return isGatehouseError(e, 'user_code_invalid') || isGatehouseError(e, 'too_many_attempts') ? e : undefined;
}

export async function registerCliDeviceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const base = async (s: WebSession) => ({ title: 'Sign in to the AWS CLI on another computer', csrf: s.csrf, user: await pageUser(ctx, s), username: s.user.username });
  const confirmModel = (s: WebSession, code: DeviceCode) => ({
    mode: 'confirm', userCode: formatUserCode(code.userCode), clientName: code.clientName, asked: formatTime(code.createdAt, readerTimeZone(s.user, ctx.config.ui.timeZone)),
  });
  const sendEntry = async (reply: FastifyReply, s: WebSession, typed: string, e?: GatehouseError) => {
    const model = { ...(await base(s)), mode: 'enter', typed };
    return e ? sendFormError(reply, e, 'cli-device', model) : sendPage(reply, 'cli-device', model);
  };

  app.get('/cli/device', async (req, reply) => {
    const q = readInput(linkQuery, req.query);
    const session = await pageSession(ctx, req, reply);
    if (!session) return reply;
    return sendEntry(reply, session, q.user_code ?? '');
  });

  /** Without `decision`: look the code up and show it to compare. With it: approve or deny. */
  app.post('/cli/device', async (req, reply) => {
    const session = await requireFullSession(ctx, req);
    checkCsrf(req, session.csrf);
    const form = readInput(codeForm, req.body);
    const meta = { ip: clientIp(req), req };
    try {
      if (!form.decision) {
        const code = await findDeviceLogin(ctx, session, form.user_code, meta);
        return sendPage(reply, 'cli-device', { ...(await base(session)), ...confirmModel(session, code) });
      }
      const code = await decideDeviceLogin(ctx, session, form.user_code, form.decision, meta);
      const notice = form.decision === 'approve'
        ? `Done: ${code.clientName} is signed in to the AWS CLI as ${session.user.username}. You can close this page and go back to the terminal.`
        : `Denied: ${code.clientName} was not signed in. You can close this page.`;
      return sendPage(reply, 'cli-device', { ...(await base(session)), mode: 'done', notice });
    } catch (e) {
      const pe = pageError(e);
      if (!pe) throw e;
      return sendEntry(reply, session, form.user_code, pe);
    }
  });
}
