"""The demo clinics' knowledge base: the documents a real clinic would upload.

Facts (services, prices, durations, deposits, hours, providers, addresses, time zones) agree
with store/demo.py; tests/kb/test_demo_docs.py checks the prices, durations and deposits.
Care content is general, standard preparation and aftercare, not medical advice.
"""

from __future__ import annotations

GLOW = "+15550100001"
ALIGN = "+15550100002"

_GLOW_DOCS: list[tuple[str, str]] = [
    (
        "Treatments and prices",
        """
# Treatments and prices

Glow Med Spa offers five treatments. Prices are per session and include the treatment only.

| Treatment | Length | Price |
|---|---|---|
| Botox | 30 minutes | $300 |
| HydraFacial | 60 minutes | $199 |
| Chemical Peel | 45 minutes | $150 |
| Laser Hair Removal | 30 minutes | $125 |
| Consultation | 15 minutes | Free |

## Deposits

Botox is the only treatment that needs a deposit: $50, paid when you book and applied to
your bill. HydraFacial, Chemical Peel, Laser Hair Removal and consultations need no deposit.

## Packages and specials

We do not sell packages or memberships at the moment. Ask at the front desk about any
current seasonal offer; we never discount below the listed prices without telling you first.
""",
    ),
    (
        "Botox",
        """
# Botox

Botox (we also offer Dysport, another wrinkle relaxer) softens forehead lines, frown lines
between the brows and crow's feet. A Botox appointment takes 30 minutes and costs $300,
with a $50 deposit when you book. Botox is given by Dr. Maya Patel, MD.

## Before your Botox appointment

- Avoid alcohol for 24 hours before your appointment; it can make bruising more likely.
- If your doctor agrees, pause fish oil, vitamin E, ibuprofen and aspirin for a few days
  before, to lower the chance of bruising. Never stop a prescribed medicine without asking
  your doctor.
- Come with a clean face, without makeup if you can.
- Tell us if you are pregnant or breastfeeding: we do not give Botox then.

## After your Botox treatment

- Stay upright for 4 hours and do not rub or massage the treated area.
- Skip hard workouts, saunas and hot yoga for the rest of the day.
- Small bumps or redness at the injection points fade within an hour or so.
- Results start to show in 3 to 7 days and are complete at about 2 weeks.
- Results usually last 3 to 4 months. Call us if anything worries you.
""",
    ),
    (
        "HydraFacial",
        """
# HydraFacial

The HydraFacial is a deep-cleansing, exfoliating and hydrating facial that suits most skin
types, including sensitive skin. It takes 60 minutes and costs $199. No deposit is needed.
Jess Kim, our licensed esthetician, and Dr. Maya Patel both perform HydraFacials.

## What to expect

Your skin is cleansed, gently exfoliated, treated with a painless suction extraction and
finished with a hydrating serum. There is no downtime: most people go straight back to work,
and makeup can be worn the same day.

## Before and after

Stop retinol or other strong exfoliating products 2 days before your HydraFacial. Afterwards,
wear sunscreen, and wait 24 hours before using retinol or exfoliants again. Most clients book
a HydraFacial every 4 weeks for the best glow.
""",
    ),
    (
        "Chemical peels",
        """
# Chemical peels

Our medical-grade chemical peel improves tone, texture, dullness and acne scarring. A peel
takes 45 minutes and costs $150, with no deposit. Peels are done by Jess Kim, licensed
esthetician, or Dr. Maya Patel.

## How to prepare for a peel

- Stop retinol, retinoids and exfoliating acids 5 to 7 days before your peel.
- Avoid waxing, laser treatments and sunburn on the area for a week before.
- Tell us about any cold sores, recent Accutane (isotretinoin) use or skin conditions.
- Arrive with clean skin and no makeup.

## Peel aftercare

Expect tightness and light flaking for 3 to 5 days. Do not pick or peel the skin. Use a
gentle cleanser and moisturiser, wear SPF 30 or higher every day, and stay out of strong sun.
Wait a week before using retinol, exfoliants or having another treatment on the area.
""",
    ),
    (
        "Laser hair removal",
        """
# Laser hair removal

Laser hair removal reduces unwanted hair on the face and body. A session takes 30 minutes
and costs $125, with no deposit. Treatments are done in our laser room by Dr. Maya Patel.
Most people need 6 to 8 sessions, 4 to 6 weeks apart, because hair grows in cycles.

## Before your laser session

- Shave the area the day before; do not wax, pluck or thread for 4 weeks before.
- Avoid tanning, self-tanner and sunburn for 2 weeks before.
- Come with clean skin: no lotion, deodorant or makeup on the area.

## After laser hair removal

Redness and mild swelling are normal for a few hours; a cool compress helps. Avoid hot
showers, saunas and the gym for 24 hours, and wear sunscreen on treated skin. Treated hairs
shed over 1 to 3 weeks.
""",
    ),
    (
        "Free consultation and your first visit",
        """
# Free consultation and your first visit

New to Glow? Book a free 15-minute consultation with Dr. Maya Patel. We talk about your
goals, look at your skin and plan treatments and costs together, with no obligation.

## Your first visit

Please arrive 10 minutes early to fill in a short health form and show a photo ID. Bring a
list of the medications and supplements you take. You must be 18 or older to be treated.
If you decide to go ahead, we can often treat you the same day when the schedule allows.
""",
    ),
    (
        "Hours, location and parking",
        """
# Hours, location and parking

## Opening hours

We are open Tuesday to Saturday, 9:00 am to 6:00 pm Pacific time. We are closed on Sundays
and Mondays. Bookings need at least 2 hours' notice and can be made up to 60 days ahead.

## Address and contact

Glow Med Spa, 1200 Ocean Park Blvd, Santa Monica, CA 90405. Phone or text (555) 010-0001,
email hello@glowmedspa.example.

## Parking and getting here

Free parking is in the garage under our building, entrance on 12th Street: bring your ticket
to the front desk and we validate 2 hours. Metered street parking is on Ocean Park Blvd.
A bus stop is on the corner, and there is a bike rack by the front door. The building and
our treatment rooms are wheelchair accessible, with an elevator from the garage.
""",
    ),
    (
        "Booking, cancellation and deposit policy",
        """
# Booking, cancellation and deposit policy

Book by text, phone or online at least 2 hours ahead, up to 60 days ahead.

## Botox deposit

Botox bookings need a $50 deposit, paid by card when you book and applied to your bill.

## Cancelling or rescheduling

Cancel or reschedule at least 24 hours before your appointment and your $50 Botox deposit is
refunded in full. If you cancel less than 24 hours before, or do not come, the deposit is
kept. Treatments without a deposit have no fee, but please give us 24 hours' notice so
someone on the waitlist can have the time.

## Running late

If you are more than 15 minutes late we may need to shorten or reschedule your treatment.
""",
    ),
    (
        "Payment, insurance and HSA/FSA",
        """
# Payment, insurance and HSA/FSA

We accept Visa, Mastercard, American Express, Discover, Apple Pay, Google Pay and cash.
Payment is due at the end of your visit, minus any deposit already paid.

## Insurance

Our treatments are cosmetic, so health insurance does not cover them and we do not bill
insurance companies.

## HSA and FSA cards

Cosmetic treatments are usually not eligible HSA or FSA expenses. Some plans may accept a
treatment with a letter of medical necessity from your doctor; check with your plan
administrator. We gladly give you an itemised receipt.

## Gift cards

Gift cards are available in any amount at the front desk and never expire.
""",
    ),
    (
        "Our providers",
        """
# Our providers

## Dr. Maya Patel, MD

Dr. Maya Patel is our medical director and a board-certified physician. She performs every
treatment we offer: Botox, HydraFacial, chemical peels, laser hair removal and free
consultations. She sees clients Tuesday to Saturday, 9:00 am to 6:00 pm.

## Jess Kim, Licensed Esthetician

Jess Kim is our licensed esthetician. She performs HydraFacials and chemical peels, and
loves helping clients with acne scarring and dull skin. Jess works Tuesday to Saturday, 9:00
am to 12:00 pm and 1:00 pm to 6:00 pm. Jess does not give Botox or laser treatments.
""",
    ),
    (
        "Frequently asked questions",
        """
# Frequently asked questions

Q: Does Botox hurt?
A: Most clients feel only a quick pinch. We can apply a cold pack first.

Q: How long does Botox last?
A: Usually 3 to 4 months. Results show in 3 to 7 days.

Q: Is laser hair removal painful?
A: It feels like a rubber band snapping on the skin. Our laser has built-in cooling.

Q: Can I wear makeup after a HydraFacial?
A: Yes, there is no downtime and makeup can go on the same day.

Q: Can I bring my kids?
A: Please arrange childcare; children cannot stay in treatment rooms.

Q: Do you treat men?
A: Yes, all our treatments are for everyone 18 or older.
""",
    ),
]

_ALIGN_DOCS: list[tuple[str, str]] = [
    (
        "Services and prices",
        """
# Services and prices

Align Chiropractic offers three services. These are our self-pay prices.

| Service | Length | Price |
|---|---|---|
| New Patient Exam | 60 minutes | $95 |
| Adjustment | 20 minutes | $55 |
| Massage Therapy | 60 minutes | $85 |

## Deposits

The New Patient Exam needs a $25 deposit when you book, applied to your visit. Adjustments
and massage therapy need no deposit.

## With insurance

If we are in network with your plan, you pay your copay or coinsurance instead of the
self-pay price. See Insurance and billing for the plans we take.
""",
    ),
    (
        "Your first visit: the New Patient Exam",
        """
# Your first visit: the New Patient Exam

Every new patient starts with a New Patient Exam: 60 minutes, $95, with a $25 deposit when
you book. The chiropractor takes your health history, checks your posture, range of motion
and reflexes, explains what they find and, if it is appropriate, gives your first
adjustment the same day.

## How to prepare for your first visit

- Fill in the intake forms we text you, or arrive 15 minutes early to do them here.
- Bring a photo ID, your insurance card and a list of your medications.
- Bring any X-ray or MRI reports you have about your back or neck.
- Wear comfortable clothes you can move in, such as leggings or gym shorts.

## Do I need a referral?

No referral is needed for most plans. Some HMO plans require one; check with your insurer.
""",
    ),
    (
        "Chiropractic adjustments",
        """
# Chiropractic adjustments

An adjustment is a 20-minute visit for established patients and costs $55. The chiropractor
uses gentle, controlled pressure to improve how your spine and joints move. You may hear a
pop: that is gas released from the joint, not bones cracking.

## After an adjustment

Mild soreness for a day is normal, like after a workout. Drink water, keep moving with light
walks, and use an ice pack for 15 minutes if you feel sore. Avoid heavy lifting for the rest
of the day. Call us if pain gets worse instead of better.

## How often

Your chiropractor suggests a plan after your exam; many patients come weekly at first,
then less often.
""",
    ),
    (
        "Massage therapy",
        """
# Massage therapy

Our massage therapy session lasts 60 minutes and costs $85, with no deposit. It is a
therapeutic soft tissue and deep tissue massage focused on your neck, back, shoulders and
hips, and it pairs well with chiropractic care. Massage sessions are given by Dr. Ben Ortiz
and Dr. Ana Lee.

## Before and after your massage

Drink water, avoid a heavy meal in the hour before, and tell us about any injuries or areas
to avoid. Afterwards, drink plenty of water and take it easy; some tenderness the next day
is normal after deep tissue work.
""",
    ),
    (
        "Hours, location and parking",
        """
# Hours, location and parking

## Office hours

Monday to Friday 8:00 am to 5:00 pm, and Saturday 9:00 am to 12:00 pm (noon), Central time.
We are closed on Sundays. Book at least 1 hour ahead, up to 30 days ahead.

## Address and contact

Align Chiropractic, 455 W Division St, Chicago, IL 60610. Phone or text (555) 010-0002,
email frontdesk@alignchiro.example.

## Parking and transit

Free patient parking is in the small lot behind our building; the entrance is from the alley
off Division Street. Street parking on Division is metered. By train, the Red Line
Clark/Division station is about a 10-minute walk. Our office is on the ground floor with a
step-free entrance.
""",
    ),
    (
        "Insurance and billing",
        """
# Insurance and billing

We are in network with Blue Cross Blue Shield (PPO plans), Aetna, Cigna and
UnitedHealthcare. We verify your benefits before your first visit, so please send a photo of
your insurance card when you book. We do not accept Medicaid or HMO plans that need a
referral we do not have.

## Out of network

If we are out of network with your plan, you pay our self-pay price at the visit and we give
you a superbill: an itemised receipt with the codes your insurer needs, which you submit for
out-of-network reimbursement.

## Massage and HSA/FSA

Most plans do not cover massage therapy. HSA and FSA cards are accepted for chiropractic
care and usually for massage therapy too. We take all major credit cards.
""",
    ),
    (
        "Scheduling, cancellation and deposit policy",
        """
# Scheduling, cancellation and deposit policy

Book by text, phone or online at least 1 hour ahead, up to 30 days ahead. Same-day openings
come up often: text us. We see patients by appointment only; we do not take walk-ins.

## New Patient Exam deposit

New Patient Exams need a $25 deposit when you book, applied to the $95 visit.

## Cancelling or rescheduling

Cancel or reschedule at least 24 hours before your appointment and your $25 deposit is
refunded in full. If you cancel less than 24 hours ahead, or miss the visit, the deposit is
kept. Adjustments and massages have no deposit, but please give 24 hours' notice.

## Late arrivals

If you are more than 10 minutes late we may need to shorten or reschedule your visit.
""",
    ),
    (
        "Our chiropractors",
        """
# Our chiropractors

## Dr. Ben Ortiz, DC

Dr. Ben Ortiz is a Doctor of Chiropractic with a focus on sports injuries, lower back pain
and sciatica. He sees new patients and gives adjustments and massage therapy.

## Dr. Ana Lee, DC

Dr. Ana Lee is a Doctor of Chiropractic with a focus on neck pain, headaches and posture
for desk workers. She sees new patients and gives adjustments and massage therapy.

## Availability

Both chiropractors work our full office hours: Monday to Friday 8:00 am to 5:00 pm and
Saturday 9:00 am to noon. You can choose your chiropractor when you book.
""",
    ),
    (
        "Conditions we help with",
        """
# Conditions we help with

Our chiropractors commonly see people for lower back pain, neck pain, tension headaches,
sciatica, stiff shoulders, sports and running injuries, and aches from desk work and poor
posture. Care usually combines adjustments, soft tissue work, stretches and simple exercises
to do at home.

## When we refer you elsewhere

At your New Patient Exam the chiropractor checks whether chiropractic care suits you. If your
symptoms need imaging or a medical doctor, we tell you and refer you. For sudden severe pain,
numbness, weakness or loss of bladder control, call 911 or go to an emergency room instead of
booking with us.
""",
    ),
    (
        "Frequently asked questions",
        """
# Frequently asked questions

Q: Does an adjustment hurt?
A: Most patients feel relief, not pain. Mild soreness for a day can happen, like after exercise.

Q: What should I wear to my appointment?
A: Comfortable clothes you can move in. Avoid jeans, belts and dresses if you can.

Q: Do you see children?
A: Yes, we see patients of all ages. A parent or guardian must come with anyone under 18.

Q: Can I switch to the other chiropractor?
A: Yes, just tell us when you book your next visit.

Q: Do you take walk-ins?
A: No, we see patients by appointment only, but same-day openings are common.
""",
    ),
]

DEMO_DOCUMENTS: dict[str, list[tuple[str, str]]] = {
    GLOW: [(title, text.strip()) for title, text in _GLOW_DOCS],
    ALIGN: [(title, text.strip()) for title, text in _ALIGN_DOCS],
}
