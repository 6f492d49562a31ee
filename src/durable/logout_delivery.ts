import { DurableObject } from 'cloudflare:workers';

export class LogoutDelivery extends DurableObject {}
