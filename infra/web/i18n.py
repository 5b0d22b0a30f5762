"""Labels in Bahasa Indonesia and English. The regulator's pages are in Bahasa Indonesia unless
the reader switches; everyone else starts in English."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("id", "en")

LABELS: dict[str, tuple[str, str]] = {
    # key: (Bahasa Indonesia, English)
    "app_title": ("Buku Besar Klaim & Pengaduan", "Claims & Complaints Ledger"),
    "read_only": ("hanya baca", "read-only"),
    "cases": ("Kasus", "Cases"),
    "case": ("Kasus", "Case"),
    "deadlines": ("Tenggat", "Deadlines"),
    "reports": ("Laporan triwulanan", "Quarterly reports"),
    "report": ("Laporan pengaduan triwulanan", "Quarterly complaint report"),
    "verification": ("Verifikasi", "Verification"),
    "rules": ("Buku aturan", "Rule book"),
    "logout": ("Keluar", "Sign out"),
    "login": ("Masuk", "Sign in"),
    "token": ("Token akses", "Access token"),
    "login_help": (
        "Masukkan token akses yang diberikan kepada Anda. Token tidak disimpan di peramban; "
        "sesi berlaku beberapa jam.",
        "Enter the access token you were given. The token is not kept in the browser; the "
        "session lasts a few hours.",
    ),
    "login_failed": ("Token tidak dikenal.", "Unknown token."),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "language": ("Bahasa", "Language"),
    "search_reference": ("Cari nomor referensi", "Search by reference"),
    "case_type": ("Jenis kasus", "Case type"),
    "state": ("Status", "State"),
    "channel": ("Saluran", "Channel"),
    "product": ("Produk", "Product"),
    "breached": ("Melewati SLA", "Breached"),
    "any": ("semua", "any"),
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
    "filter": ("Saring", "Filter"),
    "reference": ("Referensi", "Reference"),
    "opened": ("Dibuka", "Opened"),
    "page": ("Halaman", "Page"),
    "of": ("dari", "of"),
    "previous": ("Sebelumnya", "Previous"),
    "next": ("Berikutnya", "Next"),
    "results": ("hasil", "results"),
    "no_results": ("Tidak ada kasus yang cocok.", "No case matches."),
    "complaint": ("Pengaduan", "Complaint"),
    "property_claim": ("Klaim properti", "Property claim"),
    "travel_claim": ("Klaim perjalanan", "Travel claim"),
    "assistance_case": ("Kasus bantuan darurat", "Assistance case"),
    "timeline": ("Kronologi", "Timeline"),
    "version": ("Versi", "Version"),
    "event": ("Peristiwa", "Event"),
    "occurred": ("Terjadi (WIB)", "Occurred (WIB)"),
    "recorded": ("Dicatat (WIB)", "Recorded (WIB)"),
    "recorded_late": ("dicatat terlambat", "recorded late by"),
    "rule_ids": ("Aturan", "Rules"),
    "details": ("Keterangan", "Details"),
    "change": ("Perubahan", "Change"),
    "hash_chain": ("Rantai hash", "Hash chain"),
    "seal_verified": ("terverifikasi", "verified"),
    "seal_mismatch": ("TIDAK COCOK", "MISMATCH"),
    "seal_not_published": ("belum dipublikasikan", "not yet published"),
    "chain_verified": (
        "Setiap peristiwa terverifikasi: hash dihitung ulang dari event store sama dengan hash "
        "yang dipublikasikan dan tersambung ke peristiwa sebelumnya.",
        "Every event verified: each hash recomputed from the event store equals the hash that was "
        "published and links to the previous event's.",
    ),
    "chain_not_verified": (
        "Tidak semua peristiwa terverifikasi (lihat kolom rantai hash).",
        "Not every event is verified (see the hash chain column).",
    ),
    "due": ("Jatuh tempo (WIB)", "Due (WIB)"),
    "party": ("Pihak", "Party"),
    "rule": ("Aturan", "Rule"),
    "status": ("Status", "Status"),
    "met_at": ("Dipenuhi", "Met"),
    "breached_at": ("Dilanggar", "Breached"),
    "late_by": ("Terlambat", "Late by"),
    "time_left": ("Sisa SLA", "SLA time left"),
    "overdue_by": ("lewat", "overdue by"),
    "clock_now": ("Waktu acuan", "Clock"),
    "extended": ("Diperpanjang", "Extended"),
    "computed_from": ("Dihitung dari", "Computed from"),
    "calendar": ("Kalender", "Calendar"),
    "rule_set": ("Set aturan", "Rule set"),
    "calculations": ("Perhitungan pembayaran", "Payout calculations"),
    "section": ("Bagian", "Section"),
    "calculation": ("perhitungan", "calculation"),
    "step": ("Langkah", "Step"),
    "before": ("Sebelum", "Before"),
    "after": ("Sesudah", "After"),
    "payable": ("Dapat dibayar", "Payable"),
    "agreed": ("Disepakati", "Agreed"),
    "paid": ("Dibayar", "Paid"),
    "inputs": ("Masukan", "Inputs"),
    "conditions_unmet": ("Syarat belum terpenuhi", "Conditions unmet"),
    "sections": ("Bagian klaim", "Claim sections"),
    "documents": ("Dokumen", "Documents"),
    "document": ("Dokumen", "Document"),
    "requested": ("Diminta", "Requested"),
    "received": ("Diterima", "Received"),
    "outstanding": ("Belum diterima", "Outstanding"),
    "facts": ("Ringkasan", "Summary"),
    "state_as_of": ("Keadaan pada waktu tertentu", "State as of"),
    "as_of_at": ("Pada waktu", "At"),
    "as_of_version": ("Pada versi", "At version"),
    "as_of_by": ("Menurut", "By"),
    "by_occurred": ("waktu kejadian", "business time"),
    "by_recorded": ("waktu pencatatan", "recording time"),
    "show": ("Tampilkan", "Show"),
    "then": ("Saat itu", "Then"),
    "now": ("Sekarang", "Now"),
    "not_yet_available": ("Belum tersedia", "Not yet available"),
    "open_deadlines": (
        "Tenggat terbuka (sisa waktu tersedikit dahulu)",
        "Open deadlines (least time left first)",
    ),
    "breaches": ("Pelanggaran SLA", "Breaches"),
    "breaches_by_party_rule": ("Pelanggaran per pihak dan aturan", "Breaches by party and rule"),
    "count": ("Jumlah", "Count"),
    "still_open": ("Masih terbuka", "Still open"),
    "longest": ("Terlama", "Longest"),
    "quarter": ("Triwulan", "Quarter"),
    "download_csv": ("Unduh CSV", "Download CSV"),
    "download_json": ("Unduh JSON", "Download JSON"),
    "figure": ("Angka", "Figure"),
    "value": ("Nilai", "Value"),
    "productions": ("Catatan pembuatan laporan", "When each report was produced"),
    "produced_at": ("Dibuat", "Produced"),
    "on_time": ("tepat waktu", "on time"),
    "late": ("terlambat", "late"),
    "content_hash": ("SHA-256 isi", "Content SHA-256"),
    "report_due": ("Batas waktu laporan", "Report due"),
    "no_productions": (
        "Belum ada laporan yang dicatat dibuat.",
        "No report recorded as produced yet.",
    ),
    "checkpoint": ("Checkpoint bertanda tangan terakhir", "Latest signed checkpoint"),
    "last_verify": ("Hasil verifikasi terakhir", "Last verify run"),
    "forbidden": ("Akses ditolak", "Access denied"),
    "forbidden_text": (
        "Peran Anda tidak mengizinkan halaman ini.",
        "Your role does not allow this page.",
    ),
    "not_found": ("Tidak ditemukan", "Not found"),
    "back_to_cases": ("Kembali ke daftar kasus", "Back to the cases"),
    "personal_masked": (
        "Data pribadi disamarkan di halaman ini.",
        "Personal data is masked on these pages.",
    ),
}


def pick_language(requested: str | None, default: str) -> str:
    return requested if requested in LANGUAGES else default


def translator(lang: str) -> Callable[[str], str]:
    index = 0 if lang == "id" else 1

    def t(key: str) -> str:
        labels = LABELS.get(key)
        return labels[index] if labels else key

    return t


def duration(seconds: int | None, lang: str) -> str:
    """`2d 3h 15m` / `2h 3j 15m` (hari, jam, menit)."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    d, h = ("h", "j") if lang == "id" else ("d", "h")
    return f"{sign}{days}{d} {hours}{h} {rest // 60}m"
