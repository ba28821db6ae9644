/**
 * Word lists for generated rows, including hostile text so that every view
 * is exercised against markup, quotes, right-to-left text, emoji and very
 * long strings.
 */

export const COMPANY_WORDS = [
  'Contoso', 'Fabrikam', 'Litware', 'Adventure Works', 'Northwind', 'Tailspin', 'Wingtip', 'Proseware', 'Fourth Coffee', 'Alpine Ski House',
  'Blue Yonder', 'Coho Winery', 'Datum', 'Humongous', 'Lucerne', 'Margie\'s Travel', 'Relecloud', 'Trey Research', 'Wide World', 'Woodgrove',
  'Graphic Design Institute', 'School of Fine Art', 'VanArsdel', 'Southridge Video', 'City Power & Light', 'Consolidated Messenger',
] as const;

export const COMPANY_SUFFIXES = ['Inc.', 'Ltd', 'GmbH', 'S.A.', 'LLC', 'Corp.', 'Group', 'Partners', 'Holdings', 'AG', 'BV', 'K.K.'] as const;

export const FIRST_NAMES = [
  'Aaron', 'Abigail', 'Ana', 'Björn', 'Chen', 'Chloé', 'Daniel', 'Dmitri', 'Emma', 'Fatima', 'François', 'Grace', 'Hiroshi', 'Isabella',
  'Jamal', 'José', 'Kai', 'Laila', 'Liam', 'María', 'Mateo', 'Mei', 'Noah', 'Olivia', 'Priya', 'Rahul', 'Sara', 'Søren', 'Tomás', 'Yuki', 'Zoë',
] as const;

export const LAST_NAMES = [
  'Anderson', 'Bauer', 'Chen', 'Dubois', 'Fernández', 'García', 'Hansen', 'Ito', 'Jensen', 'Kowalski', 'Lee', 'Müller', 'Nakamura', 'Okafor',
  'Patel', 'Quinn', 'Rossi', 'Schmidt', 'Singh', 'Tanaka', 'Van der Berg', 'Wang', 'Williams', "O'Brien", 'Ødegaard', 'Zhang',
] as const;

export const CITIES: ReadonlyArray<readonly [string, string]> = [
  ['Redmond', 'United States'], ['Seattle', 'United States'], ['New York', 'United States'], ['Toronto', 'Canada'], ['London', 'United Kingdom'],
  ['Paris', 'France'], ['Zürich', 'Switzerland'], ['München', 'Germany'], ['São Paulo', 'Brazil'], ['Ciudad de México', 'Mexico'],
  ['東京', 'Japan'], ['서울', 'South Korea'], ['القاهرة', 'Egypt'], ['תל אביב', 'Israel'], ['Mumbai', 'India'], ['Sydney', 'Australia'],
];

/** Hostile values: markup, quotes, RTL, emoji, control characters, very long text. */
export const HOSTILE_NAMES = [
  '<img src=x onerror=alert(1)>',
  '<script>alert("pwned")</script> Holdings',
  '"Quoted" & \'Apostrophe\' Co.',
  'Robert\'); DROP TABLE accounts;--',
  'שלום עולם בע"מ',
  'شركة النجاح للتجارة',
  '🦄 Unicorn Ventures 🚀✨',
  'Tab\tand\nnewline Ltd',
  '${process.env.SECRET} {{constructor.constructor("alert(1)")()}}',
  'ZWJ 👩‍👩‍👧‍👦 Family & Co',
  '\u202Egnp.exe Right-to-left override',
  '%s%s%s %n %x',
  '<a href="javascript:alert(1)">click</a>',
  'Long '.repeat(31).trim(),
] as const;

export const HOSTILE_LONG_TEXT = ('Lorem ipsum <b>dolor</b> sit amet, "consectetur" adipiscing élit; 日本語のテキスト; עברית; 🙂 ').repeat(24).slice(0, 2000);
