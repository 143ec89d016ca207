// Types of the Guichet HTTP API (shared/API.md).

export type Role = 'customer' | 'organizer' | 'admin';
export type Language = 'en' | 'fr';

export interface User {
  id: string;
  username: string;
  email: string;
  role: Role;
  language: Language;
  phone?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

export type EventStatus = 'scheduled' | 'cancelled';

export interface GuichetEvent {
  id: string;
  title: string;
  description: string;
  date: string;
  address: string;
  ticketCapacity: number;
  price: number;
  currency: string;
  ticketsSold: number;
  ticketsRemaining: number;
  status: EventStatus;
  salesStart?: string;
  salesEnd?: string;
  organizerId: string;
  createdAt: string;
  updatedAt: string;
}

export type Channel = 'email' | 'sms';

export interface Ticket {
  uuid: string;
  event: string;
  number: number;
  price: number;
  currency: string;
  date: string;
  ownerId: string;
  status: 'valid' | 'used' | 'cancelled';
  code: string;
  confirmation: { channel: Channel; status: 'pending' | 'sent' | 'failed'; sentAt?: string };
  checkedInAt?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: Record<string, string>;
  [extension: string]: unknown;
}
