"""Accountability no other tool gives: a report checks itself, each goal says whether it is
on track and why it is stuck, and every figure can be cited.

- compliance: the "Cumplimiento LOTAIP" check (six criteria scored 1 / 0.5 / 0);
- freshness: "vigente al" apart from "actualizada el" (a month identical to the previous one);
- pace: en ritmo, atrasada, estancada N meses, cumplida, sin dato;
- reasons: why a goal is stuck, from the versioned rule file reasons-v<N>.csv;
- summaries: plain-Spanish sentences for a report, a unit and a parish;
- citation: a ready sentence and a permanent link for a goal;
- record: what the importer stores, in one call inside its transaction.

Needs the database models; none of it reads a request.
"""
