//! The community template import, end to end against an in-memory store: any file is
//! imported whole or refused whole (every bad row named), never a panic, and a refusal
//! writes nothing.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use porter_store::{Actor, Store, StoreError, SystemClock, fixtures};

struct Site {
    runtime: tokio::runtime::Runtime,
    store: Store,
    actor: Actor,
    community: u64,
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (store, actor, community) = runtime.block_on(async {
            let (store, actor) = fixtures::operator_store(Arc::new(SystemClock)).await.unwrap();
            let community = fixtures::premium_community(&store, &actor, "Fuzz").await.unwrap();
            (store, actor, community)
        });
        Site {
            runtime,
            store,
            actor,
            community,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = site();
    let before = s.store.generation();
    let result = s
        .runtime
        .block_on(s.store.import_template(&s.actor, s.community, data));
    if let Err(e) = result {
        assert_eq!(
            s.store.generation(),
            before,
            "a refused import wrote something: {e}"
        );
        if let StoreError::Rows(rows) = e {
            assert!(!rows.is_empty());
        }
    }
});
