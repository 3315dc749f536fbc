#!/usr/bin/env python3
"""Writes the API Gateway (HTTP API, payload 2.0) sample requests of events/webhook/.

Payloads follow each vendor's documented shape (written for this project, not copied);
signatures are computed here with Python's own hmac/hashlib by each vendor's published
algorithm, with the test secrets listed in README.md. The Rust tests recompute every
signature independently and check these files against it.

Run from anywhere: python3 events/webhook/make_samples.py
"""

import base64
import copy
import hashlib
import hmac
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

SECRETS = {
    "shopify": "shpss_spine_test_shopify",
    "woocommerce": "wc_spine_test_secret",
    "stripe": "whsec_spine_test_stripe",
    "midtrans": "SB-Mid-server-spine-test",
    "xendit": "xnd_callback_token_spine_test",
    "tokopedia": "tokopedia_spine_test_secret",
    "carrier": "carrier_spine_test_secret",
}

# 2026-11-20T10:00:00Z; tests take "now" as SENT_AT + 5 s.
SENT_AT = 1795168800
TRACE = "Root=1-673db2a0-5f1e2d3c4b5a69788796a5b4;Parent=53995c3f42cd8ad8;Sampled=1"


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def b64_hmac(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()).decode()


def hex_hmac(secret, message):
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def event(source, headers, body, base64_body=False, path_source=None, method="POST"):
    path_source = path_source or source
    headers = {k.lower(): v for k, v in headers.items()}
    headers.setdefault("content-type", "application/json")
    if "traceparent" not in headers:
        headers.setdefault("x-amzn-trace-id", TRACE)
    headers["host"] = "spine.execute-api.us-east-1.amazonaws.com"
    headers["content-length"] = str(len(body.encode()))
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/{source}",
        "rawPath": f"/webhooks/{path_source}",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "spine0api1",
            "domainName": "spine0api1.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "spine0api1",
            "http": {
                "method": method,
                "path": f"/webhooks/{path_source}",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": headers.get("user-agent", "webhook-sender"),
            },
            "requestId": "Jd" + hashlib.sha1(body.encode()).hexdigest()[:12],
            "routeKey": "POST /webhooks/{source}",
            "stage": "$default",
            "time": "20/Nov/2026:10:00:05 +0000",
            "timeEpoch": (SENT_AT + 5) * 1000,
        },
        "pathParameters": {"source": path_source},
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


def write(name, value):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def shopify_address(first, last, street, city, zip_code, province, country):
    return {
        "first_name": first, "last_name": last, "name": f"{first} {last}",
        "address1": street, "address2": None, "city": city, "zip": zip_code,
        "province": province, "province_code": None, "country": country,
        "country_code": "US" if country == "United States" else "ID",
        "company": None, "phone": None, "latitude": None, "longitude": None,
    }


def shopify_line(line_id, product_id, variant_id, sku, title, qty, price, discount="0.00"):
    return {
        "id": line_id, "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "product_id": product_id, "variant_id": variant_id, "sku": sku, "title": title,
        "variant_title": "Default", "name": f"{title} - Default", "vendor": "Spine Goods",
        "quantity": qty, "current_quantity": qty, "fulfillable_quantity": qty,
        "price": price, "total_discount": discount, "taxable": True, "requires_shipping": True,
        "grams": 350, "fulfillment_status": None, "gift_card": False,
        "price_set": {"shop_money": {"amount": price, "currency_code": "USD"},
                      "presentment_money": {"amount": price, "currency_code": "USD"}},
        "tax_lines": [], "discount_allocations": [], "properties": [],
    }


def shopify_order():
    return {
        "id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "name": "#1001", "order_number": 1001, "number": 1,
        "email": "ada@example.com", "phone": None, "contact_email": "ada@example.com",
        "created_at": "2026-11-20T04:59:12-05:00", "updated_at": "2026-11-20T04:59:12-05:00",
        "processed_at": "2026-11-20T04:59:12-05:00",
        "currency": "USD", "presentment_currency": "USD",
        "financial_status": "paid", "fulfillment_status": None,
        "subtotal_price": "52.50", "total_line_items_price": "57.50",
        "total_discounts": "5.00", "total_tax": "4.46", "total_price": "61.96",
        "taxes_included": False, "test": False, "confirmed": True,
        "total_weight": 1050, "source_name": "web", "tags": "",
        "note": "Please leave the parcel at the back door.",
        "note_attributes": [], "payment_gateway_names": ["stripe"],
        "browser_ip": "198.51.100.24", "landing_site": "/", "referring_site": "",
        "customer_locale": "en",
        "total_price_set": {"shop_money": {"amount": "61.96", "currency_code": "USD"},
                            "presentment_money": {"amount": "61.96", "currency_code": "USD"}},
        "total_shipping_price_set": {"shop_money": {"amount": "5.00", "currency_code": "USD"},
                                     "presentment_money": {"amount": "5.00", "currency_code": "USD"}},
        "discount_codes": [{"code": "WELCOME5", "amount": "5.00", "type": "fixed_amount"}],
        "customer": {
            "id": 115310627314723954, "email": "ada@example.com",
            "first_name": "Ada", "last_name": "Lovelace", "phone": "+15555550123",
            "state": "enabled", "verified_email": True, "currency": "USD",
            "created_at": "2025-03-02T10:11:12-05:00", "tags": "",
            "default_address": {"id": 207119551, "default": True, "city": "Ottawa"},
        },
        "billing_address": shopify_address("Ada", "Lovelace", "12 Analytical Row", "Ottawa",
                                           "K1A 0B1", "Ontario", "Canada"),
        "shipping_address": shopify_address("Ada", "Lovelace", "12 Analytical Row", "Ottawa",
                                            "K1A 0B1", "Ontario", "Canada"),
        "line_items": [
            shopify_line(866550311766439020, 632910392, 808950810, "MUG-01", "Enamel Mug", 2, "12.50", "5.00"),
            shopify_line(141249953214522974, 632910393, 808950811, "TEE-BLK-M", "Spine T-Shirt", 1, "22.50"),
            shopify_line(141249953214522975, 632910394, 808950812, "STK-PACK", "Sticker Pack", 2, "5.00"),
        ],
        "shipping_lines": [{"id": 271878346596884015, "title": "Standard", "code": "standard",
                            "price": "5.00", "source": "shopify", "discounted_price": "5.00",
                            "tax_lines": []}],
        "tax_lines": [{"title": "HST", "rate": 0.13, "price": "4.46"}],
        "refunds": [], "fulfillments": [],
    }


def shopify_headers(topic, webhook_id, body, secret=None):
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": b64_hmac(secret or SECRETS["shopify"], body),
        "X-Shopify-Shop-Domain": "spine-demo.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Triggered-At": "2026-11-20T10:00:00.123456Z",
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "User-Agent": "Shopify-Captain-Hook",
    }


def shopify():
    body = compact(shopify_order())
    wid = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    write("shopify-orders-create.json", event("shopify", shopify_headers("orders/create", wid, body), body))
    dup = event("shopify", shopify_headers("orders/create", wid, body), body)
    dup["headers"]["x-amzn-trace-id"] = "Root=1-673db2b0-000000000000000000000002;Sampled=1"
    write("shopify-duplicate.json", dup)
    updated = shopify_order()
    updated["updated_at"] = "2026-11-20T05:30:00-05:00"
    updated["note"] = "Changed: deliver to the front door."
    body_u = compact(updated)
    write("shopify-orders-updated.json",
          event("shopify", shopify_headers("orders/updated", "c2f1a8e0-1111-4a5b-9c3d-2e6f7a8b9c0d", body_u), body_u))
    write("shopify-bad-signature.json",
          event("shopify", shopify_headers("orders/create", "d0d0d0d0-2222-4a5b-9c3d-2e6f7a8b9c0d", body, "not-the-secret"), body))
    ignored = compact({"id": 632910392, "title": "Enamel Mug", "updated_at": "2026-11-20T04:59:12-05:00"})
    write("shopify-ignored-topic.json",
          event("shopify", shopify_headers("products/update", "e1e1e1e1-3333-4a5b-9c3d-2e6f7a8b9c0d", ignored), ignored))
    malformed = '{"id": 820982911946154508, "name": "#1001", '
    write("shopify-malformed-json.json",
          event("shopify", shopify_headers("orders/create", "f2f2f2f2-4444-4a5b-9c3d-2e6f7a8b9c0d", malformed), malformed))
    no_sku = shopify_order()
    no_sku["line_items"][1]["sku"] = ""
    body_n = compact(no_sku)
    write("shopify-missing-sku.json",
          event("shopify", shopify_headers("orders/create", "a3a3a3a3-5555-4a5b-9c3d-2e6f7a8b9c0d", body_n), body_n))
    big = shopify_order()
    big["note"] = "x" * (256 * 1024)
    body_b = compact(big)
    write("shopify-oversize.json",
          event("shopify", shopify_headers("orders/create", "b4b4b4b4-6666-4a5b-9c3d-2e6f7a8b9c0d", body_b), body_b))
    wrong = event("shopify", shopify_headers("orders/create", "c5c5c5c5-7777-4a5b-9c3d-2e6f7a8b9c0d", body), body)
    wrong["headers"]["content-type"] = "application/x-www-form-urlencoded"
    write("shopify-wrong-content-type.json", wrong)
    write("unknown-source.json", event("magento", shopify_headers("orders/create", wid, body), body))


def woocommerce():
    order = {
        "id": 727, "parent_id": 0, "number": "727", "order_key": "wc_order_58d2d042d1d",
        "created_via": "checkout", "version": "9.4.0", "status": "processing", "currency": "IDR",
        "date_created": "2026-11-20T16:58:02", "date_created_gmt": "2026-11-20T09:58:02",
        "date_modified": "2026-11-20T16:59:30", "date_modified_gmt": "2026-11-20T09:59:30",
        "discount_total": "15000.00", "discount_tax": "0.00", "shipping_total": "20000.00",
        "shipping_tax": "0.00", "cart_tax": "0.00", "total": "305000.00", "total_tax": "0.00",
        "prices_include_tax": True, "customer_id": 0, "customer_ip_address": "198.51.100.7",
        "customer_user_agent": "Mozilla/5.0", "customer_note": "",
        "billing": {"first_name": "Siti", "last_name": "Rahayu", "company": "",
                    "address_1": "Jl. Merdeka No. 10", "address_2": "", "city": "Bandung",
                    "state": "JB", "postcode": "40111", "country": "ID",
                    "email": "siti@example.co.id", "phone": "+6281234567890"},
        "shipping": {"first_name": "Siti", "last_name": "Rahayu", "company": "",
                     "address_1": "Jl. Merdeka No. 10", "address_2": "", "city": "Bandung",
                     "state": "JB", "postcode": "40111", "country": "ID"},
        "payment_method": "midtrans", "payment_method_title": "Midtrans", "transaction_id": "",
        "line_items": [
            {"id": 315, "name": "Kopi Arabika 250g", "product_id": 93, "variation_id": 0,
             "quantity": 3, "tax_class": "", "subtotal": "180000.00", "subtotal_tax": "0.00",
             "total": "165000.00", "total_tax": "0.00", "taxes": [], "meta_data": [],
             "sku": "KOPI-ARB-250", "price": 55000},
            {"id": 316, "name": "Gelas Keramik", "product_id": 94, "variation_id": 0,
             "quantity": 1, "tax_class": "", "subtotal": "120000.00", "subtotal_tax": "0.00",
             "total": "120000.00", "total_tax": "0.00", "taxes": [], "meta_data": [],
             "sku": "GELAS-01", "price": 120000},
        ],
        "shipping_lines": [{"id": 317, "method_title": "JNE REG", "method_id": "flat_rate", "total": "20000.00"}],
        "coupon_lines": [{"id": 318, "code": "hemat15", "discount": "15000.00"}],
        "meta_data": [],
    }
    body = compact(order)
    headers = lambda secret: {
        "X-WC-Webhook-Source": "https://toko.example.co.id/",
        "X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "created", "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": "4f1c8e2a9b7d6c5e",
        "X-WC-Webhook-Signature": b64_hmac(secret, body),
        "User-Agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.7)",
    }
    write("woocommerce-order-created.json",
          event("woocommerce", headers(SECRETS["woocommerce"]), body, base64_body=True))
    bad = event("woocommerce", headers("wrong"), body, base64_body=True)
    bad["headers"]["x-wc-webhook-delivery-id"] = "5a2d9f3b0c8e7d6f"
    write("woocommerce-bad-signature.json", bad)


def stripe_event(event_id, kind, obj):
    return {"id": event_id, "object": "event", "api_version": "2025-10-29.clover",
            "created": SENT_AT - 2, "livemode": False, "pending_webhooks": 1,
            "request": {"id": "req_8k2Xq0vE3pZy1a", "idempotency_key": "a1b2c3d4-e5f6"},
            "type": kind, "data": {"object": obj}}


def stripe_headers(body, t, secret=None):
    v1 = hex_hmac(secret or SECRETS["stripe"], f"{t}.{body}")
    return {"Stripe-Signature": f"t={t},v1={v1},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}


def stripe():
    intent = {"id": "pi_3QkZx2LkdIwHu7ix0a1b2c3d", "object": "payment_intent", "amount": 6196,
              "amount_received": 6196, "amount_capturable": 0, "currency": "usd",
              "status": "succeeded", "capture_method": "automatic", "created": SENT_AT - 40,
              "customer": "cus_R2d2C3po4Bb8", "description": "Shopify order #1001",
              "latest_charge": "ch_3QkZx2LkdIwHu7ix0x9y8z7w", "livemode": False,
              "metadata": {"order_id": "820982911946154508", "order_name": "#1001"},
              "payment_method": "pm_1QkZx1LkdIwHu7ixVISA4242",
              "payment_method_types": ["card"], "receipt_email": None}
    body = compact(stripe_event("evt_3QkZx2LkdIwHu7ix1PaYmEnT", "payment_intent.succeeded", intent))
    write("stripe-payment-intent-succeeded.json", event("stripe", stripe_headers(body, SENT_AT), body))
    write("stripe-stale-timestamp.json", event("stripe", stripe_headers(body, SENT_AT - 3600), body))
    charge = {"id": "ch_3QkZx2LkdIwHu7ix0x9y8z7w", "object": "charge", "amount": 6196,
              "amount_captured": 6196, "amount_refunded": 1250, "currency": "usd",
              "captured": True, "paid": True, "refunded": False, "status": "succeeded",
              "payment_intent": "pi_3QkZx2LkdIwHu7ix0a1b2c3d",
              "metadata": {"order_id": "820982911946154508", "order_name": "#1001"},
              "created": SENT_AT - 40,
              "refunds": {"object": "list", "has_more": False, "total_count": 1,
                          "url": "/v1/charges/ch_3QkZx2LkdIwHu7ix0x9y8z7w/refunds",
                          "data": [{"id": "re_3QkZx2LkdIwHu7ix0R3fUnD1", "object": "refund",
                                    "amount": 1250, "currency": "usd", "created": SENT_AT - 10,
                                    "charge": "ch_3QkZx2LkdIwHu7ix0x9y8z7w",
                                    "payment_intent": "pi_3QkZx2LkdIwHu7ix0a1b2c3d",
                                    "reason": "requested_by_customer", "status": "succeeded"}]}}
    body_r = compact(stripe_event("evt_3QkZx2LkdIwHu7ix2ReFuNd", "charge.refunded", charge))
    write("stripe-charge-refunded.json", event("stripe", stripe_headers(body_r, SENT_AT), body_r))
    other = compact(stripe_event("evt_1QkZx9LkdIwHu7ixCuStOmR", "customer.created",
                                 {"id": "cus_R2d2C3po4Bb8", "object": "customer"}))
    write("stripe-ignored-type.json", event("stripe", stripe_headers(other, SENT_AT), other))


def midtrans_sig(order_id, status_code, gross, key):
    return hashlib.sha512((order_id + status_code + gross + key).encode()).hexdigest()


def midtrans():
    note = {"transaction_time": "2026-11-20 16:58:40", "transaction_status": "settlement",
            "transaction_id": "9aed5972-5b6a-401e-894b-a32c91ed1a3a",
            "status_message": "midtrans payment notification", "status_code": "200",
            "payment_type": "bank_transfer", "order_id": "727", "merchant_id": "G141532850",
            "gross_amount": "305000.00", "fraud_status": "accept", "currency": "IDR",
            "va_numbers": [{"va_number": "12345678901", "bank": "bca"}],
            "settlement_time": "2026-11-20 16:59:55", "expiry_time": "2026-11-21 16:58:40"}
    good = dict(note, signature_key=midtrans_sig("727", "200", "305000.00", SECRETS["midtrans"]))
    body = compact(good)
    write("midtrans-settlement.json", event("midtrans", {"User-Agent": "Veritrans"}, body))
    bad = dict(note, signature_key=midtrans_sig("727", "200", "305000.00", "wrong-server-key"))
    body_b = compact(bad)
    write("midtrans-bad-signature.json", event("midtrans", {"User-Agent": "Veritrans"}, body_b))
    refund = dict(note, transaction_status="refund", status_message="Success, refund request is approved",
                  refund_amount="55000.00",
                  refunds=[{"refund_chargeback_id": 1180, "refund_amount": "55000.00",
                            "created_at": "2026-11-21 09:15:00", "reason": "Barang rusak",
                            "refund_key": "reference1", "refund_method": "bank_transfer"}])
    refund.pop("settlement_time")
    refund["signature_key"] = midtrans_sig("727", "200", "305000.00", SECRETS["midtrans"])
    body_r = compact(refund)
    write("midtrans-refund.json", event("midtrans", {"User-Agent": "Veritrans"}, body_r))


def xendit():
    invoice = {"id": "673d9f3e8a1b2c3d4e5f6a7b", "external_id": "727", "user_id": "5f9a8b7c6d5e4f3a2b1c0d9e",
               "is_high": False, "payment_method": "BANK_TRANSFER", "status": "PAID",
               "merchant_name": "Toko Kopi Spine", "amount": 305000, "paid_amount": 305000,
               "bank_code": "BCA", "paid_at": "2026-11-20T09:59:40.512Z",
               "payer_email": "siti@example.co.id", "description": "Order 727",
               "adjusted_received_amount": 300500, "fees_paid_amount": 4500,
               "updated": "2026-11-20T09:59:41.000Z", "created": "2026-11-20T09:58:10.000Z",
               "currency": "IDR", "payment_channel": "BCA", "payment_destination": "880812345678",
               "payment_id": "pay-673d9f5a-1c2d-4e3f-8a9b"}
    body = compact(invoice)
    write("xendit-invoice-paid.json",
          event("xendit", {"x-callback-token": SECRETS["xendit"], "User-Agent": "Xendit"}, body))
    write("xendit-bad-token.json",
          event("xendit", {"x-callback-token": "xnd_callback_token_guess", "User-Agent": "Xendit"}, body))


def tokopedia():
    order = {"fs_id": 13004, "order_id": 987654321, "invoice_ref_num": "INV/20261120/MPL/3512345678",
             "order_status": 220, "create_time": SENT_AT - 300, "shop_id": 479573, "shop_name": "Toko Kopi Spine",
             "warehouse_id": 0, "payment_id": 11223344, "device_type": "android",
             "accept_partial": False, "custom_fields": {"awb": ""},
             "products": [{"id": 15264, "Name": "Kopi Arabika 250g", "name": "Kopi Arabika 250g",
                           "notes": "", "currency": "Rp", "weight": 0.25, "total_weight": 0.5,
                           "price": 55000, "total_price": 110000, "quantity": 2, "sku": "KOPI-ARB-250"}],
             "customer": {"id": 8970588, "name": "Budi Santoso", "phone": "08123450000", "email": "budi@example.co.id"},
             "recipient": {"name": "Budi Santoso", "phone": "08123450000",
                           "address": {"address_full": "Jl. Sudirman Kav. 52", "district": "Kebayoran Baru",
                                       "city": "Jakarta Selatan", "province": "DKI Jakarta",
                                       "country": "ID", "postal_code": "12190", "district_id": 2270,
                                       "city_id": 175, "province_id": 13, "geo": "-6.2254,106.8005"}},
             "logistics": {"shipping_id": 1, "shipping_agency": "JNE", "service_type": "REG"},
             "amt": {"ttl_product_price": 110000, "shipping_cost": 18000, "insurance_cost": 0,
                     "ttl_amount": 128000, "voucher_amount": 0, "toppoints_amount": 0}}
    body = compact(order)
    write("tokopedia-order-notification.json",
          event("tokopedia", {"Authorization-Hmac": hex_hmac(SECRETS["tokopedia"], body)}, body))


def carrier():
    tracking = {"id": "trk-evt-20261120-000183", "type": "shipment.tracking",
                "occurred_at": "2026-11-20T09:59:00Z",
                "data": {"shipment_id": "JNE-SHP-777001", "order_id": "820982911946154508",
                         "carrier": "jne", "tracking_number": "JNE0123456789ID",
                         "tracking_url": "https://tracking.example.com/JNE0123456789ID",
                         "status": "IN_TRANSIT", "status_at": "2026-11-20T09:58:00Z"}}
    body = compact(tracking)

    def headers(t):
        return {"X-Carrier-Signature": hex_hmac(SECRETS["carrier"], f"{t}.{body}"),
                "X-Carrier-Timestamp": str(t), "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    write("carrier-shipment-tracking.json", event("carrier", headers(SENT_AT), body))
    write("carrier-stale-timestamp.json", event("carrier", headers(SENT_AT - 900), body))


if __name__ == "__main__":
    shopify()
    woocommerce()
    stripe()
    midtrans()
    xendit()
    tokopedia()
    carrier()
